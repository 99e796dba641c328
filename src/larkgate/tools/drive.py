"""Drive tools: find files, upload a file (text or base64), download a file (inline, or a temporary URL).

Uploads up to 20 MB go in one `upload_all` call; larger ones through upload_prepare / upload_part / upload_finish
in the block size Feishu hands out (https://open.feishu.cn/document/server-docs/docs/drive-v1/upload/
multipart-upload-file-/introduction). Downloads read at most `max_inline_bytes`; past that the member gets a
temporary download URL (valid 24 hours) instead of the bytes.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from typing import Any, Literal

from pydantic import Field

from larkgate.errors import InputError
from larkgate.sanitize import clean_text
from larkgate.tools.docs_search import Found, FoundPage, SearchType, search_objects, web_urls
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec
from larkgate.tools.urls import parse_token

FILES = "/open-apis/drive/v1/files"
ROOT = "/open-apis/drive/explorer/v2/root_folder/meta"
TMP_URLS = "/open-apis/drive/v1/medias/batch_get_tmp_download_url"
UPLOAD_ALL_MAX = 20 * 1024 * 1024  # Feishu's limit for upload_all; larger files go multipart
MAX_UPLOAD = 100 * 1024 * 1024
DEFAULT_INLINE = 256 * 1024
MAX_INLINE = 4 * 1024 * 1024
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


class SearchDriveInput(ToolInput):
    """What to look for, and where."""

    query: str | None = Field(None, max_length=200, description="Words in the name (omit to list a folder).")
    types: list[SearchType] = Field(default_factory=list, max_length=6, description="Kinds to keep (default all).")
    folder: str | None = Field(None, max_length=2048, description="Folder URL or token to look in (default: search "
                               "everything; without query: My Space).")  # fmt: skip
    page_size: int = Field(20, ge=1, le=50, description="Results per page (1-50).")
    page_token: str | None = Field(None, max_length=512, description="next_page_token from a previous page.")


async def search_drive(ctx: ToolContext, args: SearchDriveInput) -> FoundPage:
    """Search by name across Drive, or list a folder (filtered by name and kind)."""
    query = (args.query or "").strip()
    if query and not args.folder:
        return await search_objects(ctx, query, args.types, args.page_size, args.page_token)
    params: dict[str, Any] = {"page_size": args.page_size}
    if args.folder:
        params["folder_token"] = parse_token(args.folder, ("folder",)).token
    if args.page_token:
        params["page_token"] = args.page_token
    data = (await ctx.feishu("GET", FILES, query=params)).data
    wanted = {"docx" if t == "doc" else t for t in args.types}
    results = [
        Found(
            token=str(item.get("token") or ""),
            type=str(item.get("type") or ""),
            title=clean_text(str(item.get("name") or "")),
            owner_id=str(item["owner_id"]) if item.get("owner_id") else None,
            url=str(item["url"]) if item.get("url") else None,
        )
        for item in data.get("files") or []
        if isinstance(item, dict)
        and (not wanted or item.get("type") in wanted)
        and query.casefold() in str(item.get("name") or "").casefold()
    ]
    more = bool(data.get("has_more")) and bool(data.get("next_page_token"))
    return FoundPage(results=results, has_more=more, next_page_token=str(data["next_page_token"]) if more else None)


class UploadInput(ToolInput):
    """The file to store."""

    file_name: str = Field(min_length=1, max_length=250, description="Name with extension, e.g. notes.md.")
    content: str = Field(max_length=math.ceil(MAX_UPLOAD / 3) * 4, description="The file content.")
    encoding: Literal["text", "base64"] = Field("text", description="text (stored as UTF-8) or base64 (any bytes).")
    folder: str | None = Field(None, max_length=2048, description="Folder URL or token (default: My Space).")


class Uploaded(ToolOutput):
    """The stored file."""

    file_token: str
    name: str
    size: int
    url: str | None = None


def _bytes(args: UploadInput) -> bytes:
    if args.encoding == "text":
        data = args.content.encode("utf-8")
    else:
        try:
            data = base64.b64decode("".join(args.content.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InputError("content is not valid base64 (use encoding=text for plain text)") from None
    if not data:
        raise InputError("content is empty; Feishu does not store empty files")
    if len(data) > MAX_UPLOAD:
        raise InputError(f"the file is {len(data)} bytes; at most {MAX_UPLOAD} can be uploaded here")
    return data


async def upload(ctx: ToolContext, args: UploadInput) -> Uploaded:
    """Upload in one call, or in blocks for files over 20 MB."""
    name = args.file_name.strip()
    if "/" in name or "\\" in name or not name:
        raise InputError("file_name must be a plain name without '/' or '\\'")
    data = _bytes(args)
    if args.folder:
        folder = parse_token(args.folder, ("folder",)).token
    else:
        folder = str((await ctx.feishu("GET", ROOT)).data.get("token") or "")
    target = {"file_name": name, "parent_type": "explorer", "parent_node": folder}
    if len(data) <= UPLOAD_ALL_MAX:
        fields = {**target, "size": str(len(data)), "checksum": str(zlib.adler32(data))}
        token = (await ctx.upload(f"{FILES}/upload_all", fields=fields, file=(name, data))).data.get("file_token")
    else:
        token = await _multipart(ctx, target, data)
    file_token = str(token or "")
    urls = await web_urls(ctx, [(file_token, "file")])
    return Uploaded(file_token=file_token, name=clean_text(name), size=len(data), url=urls.get(file_token))


async def _multipart(ctx: ToolContext, target: dict[str, str], data: bytes) -> object:
    plan = (await ctx.feishu("POST", f"{FILES}/upload_prepare", json={**target, "size": len(data)})).data
    upload_id, block = str(plan.get("upload_id") or ""), plan.get("block_size")
    if not isinstance(block, int) or block <= 0:
        raise InputError("Feishu's upload_prepare answer has no block_size")
    blocks = math.ceil(len(data) / block)
    for seq in range(blocks):
        part = data[seq * block : (seq + 1) * block]
        fields = {"upload_id": upload_id, "seq": str(seq), "size": str(len(part)), "checksum": str(zlib.adler32(part))}
        await ctx.upload(f"{FILES}/upload_part", fields=fields, file=(target["file_name"], part))
        await ctx.progress(seq + 1, blocks, f"uploaded block {seq + 1} of {blocks}")
    finished = await ctx.feishu("POST", f"{FILES}/upload_finish", json={"upload_id": upload_id, "block_num": blocks})
    return finished.data.get("file_token")


class DownloadInput(ToolInput):
    """Which file, and how much may come inline."""

    file: str = Field(max_length=2048, description="File URL or file token.")
    max_inline_bytes: int = Field(
        DEFAULT_INLINE, ge=1, le=MAX_INLINE, description="Larger files come as a temporary download URL instead."
    )


class Downloaded(ToolOutput):
    """The file inline (text or base64), or a temporary URL to fetch it from."""

    file_token: str
    name: str | None = None
    content_type: str | None = None
    size: int | None = None
    encoding: Literal["text", "base64"] | None = None
    content: str | None = None
    download_url: str | None = None
    note: str | None = None


async def download(ctx: ToolContext, args: DownloadInput) -> Downloaded:
    """Inline when small enough, else a temporary download URL."""
    token = parse_token(args.file, ("file",)).token
    got = await ctx.download(f"{FILES}/{token}/download", max_bytes=args.max_inline_bytes)
    name = clean_text(got.filename) if got.filename else None
    if got.complete:
        text = _as_text(got.content, got.content_type)
        return Downloaded(
            file_token=token,
            name=name,
            content_type=got.content_type,
            size=len(got.content),
            encoding="text" if text is not None else "base64",
            content=clean_text(text) if text is not None else base64.b64encode(got.content).decode("ascii"),
        )
    data = (await ctx.feishu("GET", TMP_URLS, query={"file_tokens": token})).data
    links = [u for u in data.get("tmp_download_urls") or [] if isinstance(u, dict)]
    url = str(links[0].get("tmp_download_url") or "") if links else ""
    return Downloaded(
        file_token=token,
        name=name,
        content_type=got.content_type,
        size=got.size,
        download_url=url or None,
        note=f"larger than max_inline_bytes ({args.max_inline_bytes}); the URL works for 24 hours without sign-in",
    )


def _as_text(content: bytes, content_type: str) -> str | None:
    """The content as text when it is text (by type, or valid UTF-8 without control bytes), else None."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if content_type.startswith(TEXT_TYPES):
        return text
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
    return text if controls == 0 else None


TOOLS = (
    ToolSpec(
        name="lark_drive_search",
        title="Find files in Feishu Drive",
        description="Search Drive by name (query), or list a folder (URL or token); filter by types; paginated.",
        input_model=SearchDriveInput,
        output_model=FoundPage,
        handler=search_drive,
        toolset="drive",
        read_only=True,
        idempotent=True,
        scopes=("drive:drive:readonly",),
    ),
    ToolSpec(
        name="lark_drive_upload",
        title="Upload a file to Feishu Drive",
        description="Upload text or base64 content as a file to a Drive folder (URL or token; default My Space).",
        input_model=UploadInput,
        output_model=Uploaded,
        handler=upload,
        toolset="drive",
        read_only=False,
        scopes=("drive:drive",),
    ),
    ToolSpec(
        name="lark_drive_download",
        title="Download a file from Feishu Drive",
        description="A Drive file (URL or token): small ones inline as text or base64, larger ones as a temporary URL.",
        input_model=DownloadInput,
        output_model=Downloaded,
        handler=download,
        toolset="drive",
        read_only=True,
        idempotent=True,
        scopes=("drive:drive:readonly",),
    ),
)
