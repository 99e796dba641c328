"""drive v1 file transfer: one-shot and multipart upload, download, temporary download URLs.

POST /open-apis/drive/v1/files/upload_all — https://open.feishu.cn/document/server-docs/docs/drive-v1/upload/
     upload_all: multipart form `file_name, parent_type=explorer, parent_node, size, [checksum], file`, at most
     20 MB → `{file_token}`
POST /open-apis/drive/v1/files/upload_prepare — …/upload/multipart-upload-file-/upload_prepare: `{file_name,
     parent_type, parent_node, size}` → `{upload_id, block_size: 4 MB, block_num}`
POST /open-apis/drive/v1/files/upload_part — …/upload_part: multipart `upload_id, seq (from 0), size, file`; every
     block is block_size bytes but the last
POST /open-apis/drive/v1/files/upload_finish — …/upload_finish: `{upload_id, block_num}` → `{file_token}`
GET  /open-apis/drive/v1/files/:file_token/download — …/download/download: the bytes, with Content-Type and a
     Content-Disposition filename
GET  /open-apis/drive/v1/medias/batch_get_tmp_download_url — …/media/batch_get_tmp_download_url: up to 5
     `file_tokens` → `{tmp_download_urls: [{file_token, tmp_download_url}]}`, each valid 24 hours and fetched
     without a token (served here at /space/api/box/stream/download/authcode/?code=…)
"""

from __future__ import annotations

import math
import mimetypes
import secrets
import zlib
from typing import TYPE_CHECKING
from urllib.parse import quote

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message

from larkgate.sandbox.apis.drive_store import (
    NO_PARENT,
    TOO_LARGE,
    UPLOAD_EXPIRED,
    file_for_read,
    folder_for_write,
    params_error,
)
from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.gateway import BOTH, ApiRoute, CallContext
from larkgate.sandbox.params import BodyTooLarge, read_body
from larkgate.sandbox.tenant import DriveFile, UploadSession

if TYPE_CHECKING:
    from larkgate.sandbox.emulator import Sandbox

UPLOAD_ALL_MAX = 20 * 1024 * 1024
BLOCK_SIZE = 4 * 1024 * 1024
MAX_FILE = 20 * 1024**3
UPLOAD_TTL = 24 * 3600.0
TMP_URL_TTL = 24 * 3600.0
TMP_URL_PATH = "/space/api/box/stream/download/authcode/"
_FORM_SLACK = 64 * 1024  # multipart framing and the small fields around the file
_WRITE = ("drive:drive", "drive:file", "drive:file:upload")
_READ = ("drive:drive", "drive:drive:readonly", "drive:file:download")


async def _form(ctx: CallContext, limit: int) -> tuple[dict[str, str], bytes]:
    """The text fields and the `file` part of a multipart body no larger than `limit` (+ framing)."""
    try:
        raw = await read_body(ctx.request, limit + _FORM_SLACK)  # bounded: refuses oversized bodies unparsed
    except BodyTooLarge:
        raise ApiError(TOO_LARGE, f"file size beyond limit ({limit} bytes)") from None

    async def replay() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    try:
        form: FormData = await Request(ctx.request.scope, replay).form(max_files=1, max_fields=20)
    except Exception:  # python-multipart raises several kinds on a malformed body
        raise params_error("the body must be multipart/form-data") from None
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise params_error("the file part is missing")
        content = await upload.read()
    finally:
        await form.close()
    return fields, content


def _size(fields: dict[str, str], content: bytes) -> int:
    raw = fields.get("size", "")
    if not raw.isdigit() or int(raw) != len(content):
        raise params_error(f"size must be the file's byte count ({len(content)})")
    if "checksum" in fields and fields["checksum"] != str(zlib.adler32(content)):
        raise params_error("checksum does not match the file's Adler-32")
    return len(content)


def _target(ctx: CallContext, fields: dict[str, str] | dict[str, object]) -> tuple[str, str]:
    name = fields.get("file_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 250 or "/" in name:
        raise params_error("file_name must be 1-250 characters without '/'")
    if fields.get("parent_type") != "explorer":
        raise params_error("parent_type must be explorer")
    parent = fields.get("parent_node")
    folder = folder_for_write(ctx, str(parent or ""), ApiError(NO_PARENT, "parent node not exist"))
    return name.strip(), folder.token


def _store(ctx: CallContext, name: str, parent: str, content: bytes) -> str:
    token = ctx.tenant.next_id("boxcn", "file")[:27]
    ctx.tenant.drive[token] = DriveFile(token, name, "file", parent, ctx.caller.member_id, ctx.now(), content)
    return token


async def upload_all(ctx: CallContext) -> dict[str, object]:
    """A whole file in one multipart request."""
    fields, content = await _form(ctx, UPLOAD_ALL_MAX)
    name, parent = _target(ctx, fields)
    _size(fields, content)
    return {"file_token": _store(ctx, name, parent, content)}


async def upload_prepare(ctx: CallContext) -> dict[str, object]:
    """Open a multipart upload: the block size and count the parts must follow."""
    body = await ctx.body()
    name, parent = _target(ctx, body)
    size = body.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_FILE:
        raise params_error(f"size must be 1-{MAX_FILE} bytes")
    upload_id = secrets.token_hex(16)
    session = UploadSession(upload_id, name, parent, size, BLOCK_SIZE, ctx.caller.member_id, ctx.now())
    ctx.tenant.uploads[upload_id] = session
    return {"upload_id": upload_id, "block_size": session.block_size, "block_num": math.ceil(size / session.block_size)}


def _session(ctx: CallContext, upload_id: object) -> UploadSession:
    session = ctx.tenant.uploads.get(str(upload_id or ""))
    if session is None or session.owner_open_id != ctx.caller.member_id:
        raise params_error("unknown upload_id")
    if ctx.now() - session.created > UPLOAD_TTL:
        raise ApiError(UPLOAD_EXPIRED, "upload id expire")
    return session


async def upload_part(ctx: CallContext) -> dict[str, object]:
    """One block of a multipart upload."""
    fields, content = await _form(ctx, BLOCK_SIZE)
    session = _session(ctx, fields.get("upload_id"))
    blocks = math.ceil(session.size / session.block_size)
    seq = fields.get("seq", "")
    if not seq.isdigit() or int(seq) >= blocks:
        raise params_error(f"seq must be 0-{blocks - 1}")
    index = int(seq)
    expected = session.block_size if index < blocks - 1 else session.size - session.block_size * (blocks - 1)
    if _size(fields, content) != expected:
        raise params_error(f"block {index} must be {expected} bytes")
    session.parts[index] = content
    return {}


async def upload_finish(ctx: CallContext) -> dict[str, object]:
    """Join the blocks into the file."""
    body = await ctx.body()
    session = _session(ctx, body.get("upload_id"))
    blocks = math.ceil(session.size / session.block_size)
    if body.get("block_num") != blocks or sorted(session.parts) != list(range(blocks)):
        raise params_error(f"all {blocks} blocks must be uploaded and block_num must say so")
    content = b"".join(session.parts[i] for i in range(blocks))
    del ctx.tenant.uploads[session.upload_id]
    return {"file_token": _store(ctx, session.file_name, session.parent_node, content)}


def file_response(file: DriveFile) -> Response:
    """A file's bytes as Feishu serves them."""
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    disposition = f"attachment; filename*=UTF-8''{quote(file.name)}"
    return Response(file.content, media_type=kind, headers={"Content-Disposition": disposition})


async def download(ctx: CallContext) -> Response:
    """The bytes of a file the caller may read."""
    return file_response(file_for_read(ctx, ctx.path("file_token")))


async def tmp_download_urls(ctx: CallContext) -> dict[str, object]:
    """Temporary, token-free download URLs for up to 5 files."""
    tokens = ctx.request.query_params.getlist("file_tokens")
    if not 1 <= len(tokens) <= 5:
        raise params_error("file_tokens: 1-5 tokens")
    # The host this request reached (with any mount prefix, e.g. /_sandbox) also serves the token-free URLs.
    base = str(ctx.request.url).split("/open-apis/", 1)[0] + TMP_URL_PATH
    urls = []
    for token in tokens:
        file_for_read(ctx, token)
        code = secrets.token_urlsafe(24)
        ctx.tenant.download_codes[code] = (token, ctx.now() + TMP_URL_TTL)
        urls.append({"file_token": token, "tmp_download_url": f"{base}?code={code}"})
    return {"tmp_download_urls": urls}


def public_routes(sandbox: Sandbox) -> list[Route]:
    """The token-free host temporary download URLs point to."""

    async def fetch(request: Request) -> Response:
        found = sandbox.tenant.download_codes.get(request.query_params.get("code", ""))
        file = sandbox.tenant.drive.get(found[0]) if found else None
        if found is None or file is None or sandbox.config.clock.now() > found[1]:
            return PlainTextResponse("link expired or invalid", status_code=404)
        return file_response(file)

    return [Route(TMP_URL_PATH, fetch, methods=["GET"])]


_FILES = "/open-apis/drive/v1/files"
ROUTES = (
    ApiRoute("POST", _FILES + "/upload_all", "drive.v1.file.upload_all", _WRITE, BOTH, upload_all),
    ApiRoute("POST", _FILES + "/upload_prepare", "drive.v1.file.upload_prepare", _WRITE, BOTH, upload_prepare),
    ApiRoute("POST", _FILES + "/upload_part", "drive.v1.file.upload_part", _WRITE, BOTH, upload_part),
    ApiRoute("POST", _FILES + "/upload_finish", "drive.v1.file.upload_finish", _WRITE, BOTH, upload_finish),
    ApiRoute("GET", _FILES + "/{file_token}/download", "drive.v1.file.download", _READ, BOTH, download),
    ApiRoute(
        "GET",
        "/open-apis/drive/v1/medias/batch_get_tmp_download_url",
        "drive.v1.media.batch_get_tmp_download_url",
        _READ,
        BOTH,
        tmp_download_urls,
    ),
)
