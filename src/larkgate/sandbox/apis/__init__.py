"""The emulated open APIs, one module per Feishu domain; `ROUTES` is the whole table the gateway serves.

To add a domain: write `apis/<domain>.py` exporting `ROUTES` (a tuple of `ApiRoute`) and list it here.
"""

from __future__ import annotations

from larkgate.sandbox.apis import (
    authen,
    bitable,
    calendar,
    contact,
    docx,
    drive,
    drive_files,
    drive_permissions,
    im,
    im_chats,
    im_search,
    mail,
    sheets,
    task,
    vc,
    wiki,
)
from larkgate.sandbox.gateway import ApiRoute

ROUTES: tuple[ApiRoute, ...] = (
    *authen.ROUTES,
    *contact.ROUTES,
    *im.ROUTES,
    *im_chats.ROUTES,
    *im_search.ROUTES,
    *bitable.ROUTES,
    *sheets.ROUTES,
    *mail.ROUTES,
    *calendar.ROUTES,
    *vc.ROUTES,
    *task.ROUTES,
    *docx.ROUTES,
    *drive.ROUTES,
    *drive_files.ROUTES,
    *drive_permissions.ROUTES,
    *wiki.ROUTES,
)
