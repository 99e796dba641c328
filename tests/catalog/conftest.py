"""A miniature `lark_oapi` source tree with the shapes the generator must read, for fast and exact tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

# One service, one version, two resources (one of them declared but not shipped, like the SDK's gray-release stubs).
FILES = {
    "api/demo/v1/version.py": """
        from .resource import *

        class V1(object):
            def __init__(self, config: Config) -> None:
                self.widget: Widget = Widget(config)
                self.ghost: Ghost = Ghost(config)
                self.hollow: Hollow = Hollow(config)
                self.plain = None
                self.quoted: "Quoted" = None
    """,
    "api/demo/v1/resource/widget.py": """
        import io
        from ..model.create_widget_request import CreateWidgetRequest
        from ..model.create_widget_response import CreateWidgetResponse
        from ..model.list_widget_request import ListWidgetRequest
        from ..model.list_widget_response import ListWidgetResponse
        from ..model.pass_widget_request import PassWidgetRequest
        from ..model.upload_widget_request import UploadWidgetRequest
        from ..model.download_widget_request import DownloadWidgetRequest

        class Widget(object):
            def __init__(self, config: Config) -> None:
                self.config = config

            def create(self, request: CreateWidgetRequest, option=None) -> CreateWidgetResponse:
                return None

            async def acreate(self, request: CreateWidgetRequest, option=None) -> CreateWidgetResponse:
                return None

            def list(self, request: ListWidgetRequest, option=None) -> ListWidgetResponse:
                return None

            def pass_(self, request: PassWidgetRequest, option=None) -> "PassWidgetResponse":
                return None

            def upload(self, request: UploadWidgetRequest, option=None) -> None:
                form_data = MultipartEncoder(Files.parse_form_data(request.body))
                return None

            def download(self, request: DownloadWidgetRequest, option=None):
                response = object()
                response.file = io.BytesIO(b"")
                return response

            def orphan(self, request: NotImported, option=None) -> None:
                return None

            def bare(self) -> None:
                return None

            def _helper(self, request: CreateWidgetRequest) -> None:
                return None
    """,
    "api/demo/v1/resource/hollow.py": """
        class SomethingElse(object):
            pass
    """,
    "api/demo/v1/model/create_widget_request.py": """
        from lark_oapi.core.model import BaseRequest
        from lark_oapi.core.enum import HttpMethod, AccessTokenType
        from .create_widget_request_body import CreateWidgetRequestBody

        class CreateWidgetRequest(BaseRequest):
            pass

        class CreateWidgetRequestBuilder(object):
            kind = "builder"

            def __init__(self) -> None:
                req = CreateWidgetRequest()
                req.http_method = HttpMethod.POST
                req.uri = "/open-apis/demo/v1/widgets/:widget_id"
                req.token_types = {AccessTokenType.TENANT, AccessTokenType.USER, AccessTokenType.UNKNOWN}
                self._req = req

            def widget_id(self, widget_id: str) -> "CreateWidgetRequestBuilder":
                self._req.paths["widget_id"] = str(widget_id)
                return self

            def repo_id(self, repo_id: int) -> "CreateWidgetRequestBuilder":
                self._req.paths["repo_id"] = str(repo_id)
                return self

            def user_id_type(self, user_id_type: str) -> "CreateWidgetRequestBuilder":
                self._req.note("user_id_type")
                self._req.add_query()
                self._req.add_query("user_id_type", user_id_type)
                return self

            def dynamic(self, key: str, value: str) -> "CreateWidgetRequestBuilder":
                self._req.paths[key] = value
                return self

            def ids(self, ids: List[str]) -> "CreateWidgetRequestBuilder":
                self._req.add_query("ids", ids)
                return self

            def request_body(self, request_body: CreateWidgetRequestBody) -> "CreateWidgetRequestBuilder":
                self._req.body = request_body
                return self

            def build(self) -> CreateWidgetRequest:
                return self._req
    """,
    "api/demo/v1/model/create_widget_request_body.py": """
        from .owner import *

        class CreateWidgetRequestBody(object):
            _types = {
                "name": str,
                "count": int,
                "ratio": float,
                "ok": bool,
                "tags": List[str],
                "meta": Dict[str, str],
                "owner": Owner,
                "from_": str,
                "anything": Any,
                "either": Union[str, int],
                "maybe": Optional[int],
                "unknown": Missing,
                "quoted": "Owner",
                "weird": Callable[[int], int],
                "odd": a.b,
            }
    """,
    "api/demo/v1/model/owner.py": """
        from .dept import Dept

        class Owner(object):
            _types = {"id": str, "boss": Owner, "dept": Dept}
    """,
    "api/demo/v1/model/dept.py": """
        from .site import Site

        class Dept(object):
            _types = {"name": str, "site": Site}
    """,
    "api/demo/v1/model/site.py": """
        class Site(object):
            _types = {"city": str, "odd": Odd}


        class Odd(object):
            _types = {str}
    """,
    "api/demo/v1/model/create_widget_response.py": """
        from .create_widget_response_body import CreateWidgetResponseBody

        class CreateWidgetResponse(BaseResponse):
            _types = {"data": CreateWidgetResponseBody}
    """,
    "api/demo/v1/model/create_widget_response_body.py": """
        class CreateWidgetResponseBody(object):
            _types = {"widget": str}
    """,
    "api/demo/v1/model/list_widget_request.py": """
        class ListWidgetRequest(BaseRequest):
            pass

        class ListWidgetRequestBuilder(object):
            def __init__(self) -> None:
                req = ListWidgetRequest()
                req.http_method = HttpMethod.GET
                req.uri = "/open-apis/demo/v1/widgets"
                req.token_types = {AccessTokenType.USER}
                self._req = req

            def page_size(self, page_size: int) -> "ListWidgetRequestBuilder":
                self._req.add_query("page_size", page_size)
                return self

            def page_token(self, page_token: str) -> "ListWidgetRequestBuilder":
                self._req.add_query("page_token", page_token)
                return self

            def from_(self, from_: str) -> "ListWidgetRequestBuilder":
                self._req.add_query("from", from_)
                return self

            def odd(self, odd: str) -> "ListWidgetRequestBuilder":
                self._req.add_query(odd)
                return self
    """,
    "api/demo/v1/model/list_widget_response.py": """
        from .list_widget_response_body import ListWidgetResponseBody

        class ListWidgetResponse(BaseResponse):
            _types = {"data": ListWidgetResponseBody}
    """,
    "api/demo/v1/model/list_widget_response_body.py": """
        class ListWidgetResponseBody(object):
            _types = {"has_more": bool, "page_token": str, "items": List[str]}
    """,
    "api/demo/v1/model/pass_widget_request.py": """
        class PassWidgetRequest(BaseRequest):
            pass

        class PassWidgetRequestBuilder(object):
            def __init__(self) -> None:
                req = PassWidgetRequest()
                req.http_method = HttpMethod.DELETE
                req.uri = "/open-apis/demo/v1/widgets/:widget_id/pass"
                req.token_types = {AccessTokenType.APP}
                self._req = req

            def request_body(self, request_body: Nowhere) -> "PassWidgetRequestBuilder":
                return self

            def build(self):
                return self._req
    """,
    "api/demo/v1/model/upload_widget_request.py": """
        from .upload_widget_request_body import UploadWidgetRequestBody

        class UploadWidgetRequest(BaseRequest):
            pass

        class UploadWidgetRequestBuilder(object):
            def __init__(self) -> None:
                req = UploadWidgetRequest()
                req.http_method = HttpMethod.POST
                req.uri = "/open-apis/demo/v1/widgets/upload"
                req.token_types = {AccessTokenType.TENANT}
                self._req = req

            def request_body(self, request_body: UploadWidgetRequestBody) -> "UploadWidgetRequestBuilder":
                self._req.body = request_body
                return self
    """,
    "api/demo/v1/model/upload_widget_request_body.py": """
        class UploadWidgetRequestBody(object):
            _types = {"files": List[IO[Any]], "page_token": str, "extra": Any}
    """,
    "api/demo/v1/model/download_widget_request.py": """
        from .empty_body import EmptyBody

        class DownloadWidgetRequest(BaseRequest):
            pass

        class DownloadWidgetRequestBuilder(object):
            def __init__(self) -> None:
                req = DownloadWidgetRequest()
                req.http_method = HttpMethod.GET
                req.uri = "/open-apis/demo/v1/widgets/:widget_id/download"
                req.token_types = {AccessTokenType.TENANT}
                self._req = req

            def request_body(self, request_body: EmptyBody) -> "DownloadWidgetRequestBuilder":
                return self

            def widget_id(self, widget_id: str) -> "DownloadWidgetRequestBuilder":
                self._req.paths["widget_id"] = str(widget_id)
                return self
    """,
    "api/demo/v1/model/empty_body.py": """
        class EmptyBody(object):
            pass
    """,
}


def write_fake_sdk(root: Path) -> Path:
    """Write the miniature SDK under `root` and return its `lark_oapi` package directory."""
    package = root / "lark_oapi"
    for relative, text in FILES.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    dist = root / "lark_oapi-9.9.9.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: lark-oapi\nVersion: 9.9.9\n", encoding="utf-8")
    return package


@pytest.fixture
def fake_sdk(tmp_path: Path) -> Path:
    """The `lark_oapi` directory of a miniature SDK tree."""
    return write_fake_sdk(tmp_path)
