"""Drive tools through /mcp against the sandbox: uploads land as bytes in the sandbox, downloads return them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from larkgate.sandbox.apis import drive_files as sandbox_files
from larkgate.sandbox.seed_docs import NOTE, PNG, RECORDING_SIZE
from larkgate.tools import drive as drive_tools
from tests.e2e.docs_helpers import DEV1, OPS, PM, SCOPES, TOOLSETS, error, member, ok, open_id, sandbox_of
from tests.e2e.live import LiveGateway


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveGateway]:
    gateway = LiveGateway(tmp_path / "data", scopes=SCOPES, default_toolsets=TOOLSETS).start()
    try:
        yield gateway
    finally:
        gateway.stop()


def project_folder(live: LiveGateway) -> str:
    return next(f.token for f in sandbox_of(live).tenant.drive.values() if f.name.startswith("项目资料"))


def seeded(live: LiveGateway, name: str) -> str:
    return next(f.token for f in sandbox_of(live).tenant.drive.values() if f.name == name)


async def test_upload_text_and_binary_then_download_them(live: LiveGateway) -> None:
    drive = sandbox_of(live).tenant.drive
    folder = project_folder(live)
    binary = bytes(range(256)) * 4
    async with member(live, PM) as client:
        text = await ok(client, "lark_drive_upload", {"file_name": "纪要.md", "content": "# 纪要\n\n上线 ✅\n"})
        blob = await ok(
            client,
            "lark_drive_upload",
            {
                "file_name": "blob.bin",
                "content": base64.b64encode(binary).decode(),
                "encoding": "base64",
                "folder": f"https://sandbox.feishu.cn/drive/folder/{folder}",
            },
        )
        text_back = await ok(client, "lark_drive_download", {"file": text["file_token"]})
        blob_back = await ok(
            client, "lark_drive_download", {"file": f"https://acme.feishu.cn/file/{blob['file_token']}"}
        )
    stored = drive[text["file_token"]]
    assert stored.content == "# 纪要\n\n上线 ✅\n".encode()
    assert (stored.name, stored.owner_open_id) == ("纪要.md", open_id(live, PM))
    assert drive[stored.parent_token].parent_token == ""  # My Space by default
    assert text["size"] == len(stored.content)
    assert text["url"] == f"https://sandbox.feishu.cn/file/{text['file_token']}"
    assert (drive[blob["file_token"]].content, drive[blob["file_token"]].parent_token) == (binary, folder)
    assert (text_back["encoding"], text_back["content"], text_back["name"]) == (
        "text",
        "# 纪要\n\n上线 ✅\n",
        "纪要.md",
    )
    assert text_back["content_type"] == "text/markdown"
    assert blob_back["encoding"] == "base64"
    assert base64.b64decode(blob_back["content"]) == binary
    assert "download_url" not in blob_back


async def test_large_uploads_go_in_blocks(live: LiveGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drive_tools, "UPLOAD_ALL_MAX", 1000)
    monkeypatch.setattr(sandbox_files, "BLOCK_SIZE", 1024)
    content = bytes((i * 7) % 251 for i in range(3000))
    async with member(live, PM) as client:
        made = await ok(
            client,
            "lark_drive_upload",
            {"file_name": "big.dat", "content": base64.b64encode(content).decode(), "encoding": "base64"},
        )
        back = await ok(client, "lark_drive_download", {"file": made["file_token"], "max_inline_bytes": 10_000})
    sandbox = sandbox_of(live)
    assert sandbox.tenant.drive[made["file_token"]].content == content
    assert sandbox.stats.api_calls["drive.v1.file.upload_part"] == 3
    assert sandbox.stats.api_calls["drive.v1.file.upload_all"] == 0
    assert sandbox.tenant.uploads == {}
    assert base64.b64decode(back["content"]) == content


async def test_big_files_come_as_a_temporary_url(live: LiveGateway) -> None:
    recording = seeded(live, "recording.bin")
    async with member(live, DEV1) as client:
        big = await ok(client, "lark_drive_download", {"file": recording})
        small = await ok(client, "lark_drive_download", {"file": seeded(live, "logo.png")})
        notes = await ok(client, "lark_drive_download", {"file": seeded(live, "design-notes.txt")})
    assert "content" not in big
    assert big["size"] == RECORDING_SIZE
    assert "24 hours" in big["note"]
    async with httpx2.AsyncClient() as http:  # no token: the temporary URL stands on its own
        fetched = await http.get(big["download_url"])
        bogus = await http.get(big["download_url"].split("?")[0] + "?code=nope")
    assert fetched.status_code == 200
    assert fetched.content == sandbox_of(live).tenant.drive[recording].content
    assert bogus.status_code == 404
    assert (small["encoding"], base64.b64decode(small["content"]), small["content_type"]) == (
        "base64",
        PNG,
        "image/png",
    )
    assert notes["content"] == NOTE.decode()


async def test_search_by_name_and_list_folders(live: LiveGateway) -> None:
    folder = project_folder(live)
    async with member(live, DEV1) as client:
        logo = await ok(client, "lark_drive_search", {"query": "logo", "types": ["file"]})
        listed = await ok(client, "lark_drive_search", {"folder": f"https://sandbox.feishu.cn/drive/folder/{folder}"})
        page_one = await ok(client, "lark_drive_search", {"folder": folder, "page_size": 2})
        page_two = await ok(
            client, "lark_drive_search", {"folder": folder, "page_size": 2, "page_token": page_one["next_page_token"]}
        )
        in_folder = await ok(client, "lark_drive_search", {"folder": folder, "query": "NOTES", "types": ["file"]})
        docs_only = await ok(client, "lark_drive_search", {"folder": folder, "types": ["doc"]})
        my_space = await ok(client, "lark_drive_search", {})
    assert [(r["title"], r["type"]) for r in logo["results"]] == [("logo.png", "file")]
    assert logo["results"][0]["url"].endswith(seeded(live, "logo.png"))
    assert {r["title"] for r in listed["results"]} == {
        "design-notes.txt",
        "logo.png",
        "recording.bin",
        "登录页改版需求文档 · Login page redesign PRD",
    }
    assert page_one["has_more"] is True
    assert len(page_one["results"] + page_two["results"]) == 4
    assert [r["title"] for r in in_folder["results"]] == ["design-notes.txt"]
    assert [r["type"] for r in docs_only["results"]] == ["docx"]
    assert my_space["results"] == []


async def test_errors_are_clear_results(live: LiveGateway) -> None:
    logo = seeded(live, "logo.png")
    before = len(sandbox_of(live).tenant.drive)
    async with member(live, OPS) as client:
        forbidden_text, forbidden = await error(client, "lark_drive_download", {"file": logo})
        _, missing = await error(client, "lark_drive_download", {"file": "boxcnMissing1234"})
        _, no_upload = await error(
            client, "lark_drive_upload", {"file_name": "x.txt", "content": "x", "folder": project_folder(live)}
        )
        bad_b64, _ = await error(
            client, "lark_drive_upload", {"file_name": "x.bin", "content": "***", "encoding": "base64"}
        )
        empty, _ = await error(client, "lark_drive_upload", {"file_name": "x.txt", "content": ""})
        slash, _ = await error(client, "lark_drive_upload", {"file_name": "../x.txt", "content": "x"})
        doc_url, _ = await error(client, "lark_drive_download", {"file": "https://acme.feishu.cn/docx/doxcnAbc123"})
        bad_folder, _ = await error(client, "lark_drive_search", {"folder": "https://acme.feishu.cn/base/bascnX1234"})
        bad_cursor, _ = await error(client, "lark_drive_search", {"query": "x", "page_token": "abc"})
        too_big, _ = await error(client, "lark_drive_download", {"file": logo, "max_inline_bytes": 10**9})
    assert (forbidden["code"], forbidden["error"]) == (1061004, "feishu_error")
    assert forbidden["log_id"]
    assert "1061004" in forbidden_text
    assert missing["code"] == 1061003
    assert no_upload["code"] == 1061004
    assert len(sandbox_of(live).tenant.drive) == before  # nothing was stored
    assert "not valid base64" in bad_b64
    assert "empty" in empty
    assert "without '/'" in slash
    assert "names a docx" in doc_url
    assert "names a base" in bad_folder
    assert "page_token" in bad_cursor
    assert "max_inline_bytes" in too_big
