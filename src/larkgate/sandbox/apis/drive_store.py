"""Drive's files and folders in the sandbox tenant: each member's root folder ("My Space"), access, and lookups.

Drive v1 error codes (https://open.feishu.cn/document/server-docs/docs/drive-v1/file/upload_all#error-codes):
1061002 params error, 1061003 not found, 1061004 forbidden, 1061043 file size beyond limit, 1061044 parent node
not exist, 1061021 upload id expired. 404 / 403 are the HTTP statuses that go with not found / forbidden.
"""

from __future__ import annotations

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import CallContext
from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.tenant import DriveFile, Tenant

PARAMS_ERROR = 1061002
NOT_FOUND = 1061003
FORBIDDEN = 1061004
TOO_LARGE = 1061043
NO_PARENT = 1061044
UPLOAD_EXPIRED = 1061021


def params_error(message: str) -> ApiError:
    """1061002 with what was wrong."""
    return ApiError(PARAMS_ERROR, f"params error: {message}")


def root_folder(tenant: Tenant, member: str, now: float) -> DriveFile:
    """The member's root folder, made on first use (every Feishu account has one)."""
    existing = next(
        (f for f in tenant.drive.values() if f.type == "folder" and not f.parent_token and f.owner_open_id == member),
        None,
    )
    if existing is not None:
        return existing
    token = "nodcn" + stable_hex("root-folder", tenant.tenant_key, member, length=22)
    folder = DriveFile(token, "我的空间 · My Space", "folder", "", member, now)
    tenant.drive[token] = folder
    return folder


def can_use(file: DriveFile, member: str) -> bool:
    """Owners and members it is shared with may read and write a file or folder."""
    return member == file.owner_open_id or member in file.shared_with


def folder_for_write(ctx: CallContext, token: str, missing: ApiError) -> DriveFile:
    """The folder `token` the caller may add to; `missing` is raised when there is no such folder."""
    folder = ctx.tenant.drive.get(token)
    if folder is None or folder.type != "folder":
        raise missing
    if not can_use(folder, ctx.caller.member_id):
        raise ApiError(FORBIDDEN, "forbidden", 403)
    return folder


def file_for_read(ctx: CallContext, token: str) -> DriveFile:
    """An uploaded file the caller may read, or 1061003 / 1061004."""
    file = ctx.tenant.drive.get(token)
    if file is None or file.type != "file":
        raise ApiError(NOT_FOUND, "not found", 404)
    if not can_use(file, ctx.caller.member_id):
        raise ApiError(FORBIDDEN, "forbidden", 403)
    return file


def doc_url(kind: str, token: str) -> str:
    """The web URL of an object, on the sandbox tenant's own domain."""
    return f"https://sandbox.feishu.cn/{kind}/{token}"
