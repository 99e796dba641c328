"""The Open API catalog: generated API records, our summaries, argument schemas and search (`lark_discover`).

    from larkgate.catalog import load_catalog
    from larkgate.catalog.search import search

    hits = search(load_catalog(), "撤回消息", limit=5)

(`search` is deliberately not re-exported here: the name would shadow the `larkgate.catalog.search` module.)
"""

from larkgate.catalog.catalog import Catalog, load_catalog, stats
from larkgate.catalog.search import SearchHit
from larkgate.catalog.spec import ApiSpec

__all__ = ["ApiSpec", "Catalog", "SearchHit", "load_catalog", "stats"]
