"""The emulated open APIs, one module per Feishu domain; `ROUTES` is the whole table the gateway serves.

To add a domain: write `apis/<domain>.py` exporting `ROUTES` (a tuple of `ApiRoute`) and list it here.
"""

from __future__ import annotations

from larkgate.sandbox.apis import authen, contact, im
from larkgate.sandbox.gateway import ApiRoute

ROUTES: tuple[ApiRoute, ...] = (*authen.ROUTES, *contact.ROUTES, *im.ROUTES)
