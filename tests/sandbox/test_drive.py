"""Drive in the sandbox: listing, root folder, metadata, search, uploads (one-shot and multipart), downloads and
temporary URLs, with Feishu's error answers."""

import zlib
from typing import Any

import httpx2

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox
from larkgate.sandbox.apis import drive_files

from .helpers import bearer, tenant_token, user_token

FILES = "/open-apis/drive/v1/files"
PM, DEV1, OPS = "pm@sandbox.example", "dev1@sandbox.example", "ops@sandbox.example"


def project(sandbox: Sandbox) -> str:
    return next(f.token for f in sandbox.tenant.drive.values() if f.name.startswith("项目资料"))


def token_of(sandbox: Sandbox, name: str) -> str:
    return next(f.token for f in sandbox.tenant.drive.values() if f.name == name)


def form(content: bytes, **fields: str) -> dict[str, Any]:
    values = {"file_name": "a.txt", "parent_type": "explorer", "size": str(len(content))} | fields
    return {"data": values, "files": {"file": ("a.txt", content, "application/octet-stream")}}


async def test_listing_root_folder_and_metadata(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    dev1 = user_token(sandbox, DEV1, "drive:drive:readonly")
    folder = project(sandbox)
    first = (await client.get(FILES, params={"folder_token": folder, "page_size": 3}, headers=bearer(dev1))).json()[
        "data"
    ]
    assert first["has_more"] is True
    assert [f["type"] for f in first["files"]][:1] == ["docx"] or first["files"][0]["type"] in ("file", "docx")
    rest = await client.get(
        FILES, params={"folder_token": folder, "page_token": first["next_page_token"]}, headers=bearer(dev1)
    )
    names = [f["name"] for f in first["files"] + rest.json()["data"]["files"]]
    assert len(names) == 4
    assert "next_page_token" not in rest.json()["data"]
    mine = (await client.get(FILES, headers=bearer(dev1))).json()["data"]
    assert mine == {"files": [], "has_more": False}
    root = (await client.get("/open-apis/drive/explorer/v2/root_folder/meta", headers=bearer(dev1))).json()["data"]
    assert sandbox.tenant.drive[root["token"]].parent_token == ""
    ops = user_token(sandbox, OPS, "drive:drive:readonly")
    forbidden = await client.get(FILES, params={"folder_token": folder}, headers=bearer(ops))
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, 1061004)
    missing = await client.get(FILES, params={"folder_token": token_of(sandbox, "logo.png")}, headers=bearer(ops))
    assert (missing.status_code, missing.json()["code"]) == (404, 1061003)
    bot = await client.get(FILES, headers=bearer(await tenant_token(client, sandbox)))
    assert bot.status_code == 200


async def test_batch_query(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    ops = user_token(sandbox, OPS, "drive:drive:readonly")
    logo = token_of(sandbox, "logo.png")
    docs = [
        {"doc_token": logo, "doc_type": "file"},
        {"doc_token": "boxcnGhost", "doc_type": "file"},
        {"doc_token": sandbox.tenant.documents[1].document_id, "doc_type": "docx"},
    ]
    data = (
        await client.post(f"{FILES[:-6]}/metas/batch_query", json={"request_docs": docs}, headers=bearer(ops))
    ).json()["data"]
    assert [m["doc_token"] for m in data["metas"]] == [sandbox.tenant.documents[1].document_id]
    assert "url" not in data["metas"][0]
    assert data["failed_list"] == [{"token": logo, "code": 970003}, {"token": "boxcnGhost", "code": 970005}]
    for bad in ({"request_docs": []}, {"request_docs": [{"doc_token": "x", "doc_type": "pdf"}]}):
        answer = await client.post(f"{FILES[:-6]}/metas/batch_query", json=bad, headers=bearer(ops))
        assert answer.json()["code"] == 1061002


async def test_search_rules(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    url = "/open-apis/suite/docs-api/search/object"
    dev1 = user_token(sandbox, DEV1, "drive:drive:readonly")
    pm = sandbox.tenant.user_by_email(PM)
    assert pm is not None
    owned = (await client.post(url, json={"search_key": "·", "owner_ids": [pm.open_id]}, headers=bearer(dev1))).json()
    assert {e["owner_id"] for e in owned["data"]["docs_entities"]} == {pm.open_id}
    bad = [
        {"search_key": "a", "count": 51},
        {"search_key": "a", "offset": 190, "count": 10},
        {"search_key": "a", "docs_types": ["folder"]},
    ]
    for body in bad:
        assert (await client.post(url, json=body, headers=bearer(dev1))).json()["code"] == 99992402
    bot = await client.post(url, json={"search_key": "a"}, headers=bearer(await tenant_token(client, sandbox)))
    assert bot.json()["code"] == 99991663


async def test_upload_all_checks(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    pm = user_token(sandbox, PM, "drive:drive")
    folder = project(sandbox)
    url = f"{FILES}/upload_all"
    good = await client.post(
        url, **form(b"abc", parent_node=folder, checksum=str(zlib.adler32(b"abc"))), headers=bearer(pm)
    )
    token = good.json()["data"]["file_token"]
    assert (sandbox.tenant.drive[token].content, sandbox.tenant.drive[token].parent_token) == (b"abc", folder)
    cases = [
        (form(b"abc", parent_node=folder, size="4"), 1061002),
        (form(b"abc", parent_node=folder, checksum="1"), 1061002),
        (form(b"abc", parent_node=folder, parent_type="wiki"), 1061002),
        (form(b"abc", parent_node=folder, file_name="a/b"), 1061002),
        (form(b"abc", parent_node="fldcnGhost"), 1061044),
        ({"data": {"file_name": "a", "parent_type": "explorer", "parent_node": folder, "size": "0"}}, 1061002),
        ({"json": {"file_name": "a"}}, 1061002),
    ]
    for request, code in cases:
        answer = await client.post(url, **request, headers=bearer(pm))
        assert answer.json()["code"] == code, (request, answer.text)
    huge = await client.post(url, content=b"x", headers=bearer(pm) | {"content-length": str(30 * 1024 * 1024)})
    assert huge.json()["code"] == 1061043


async def test_multipart_upload_rules(
    client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock, monkeypatch: Any
) -> None:
    monkeypatch.setattr(drive_files, "BLOCK_SIZE", 4)
    pm = user_token(sandbox, PM, "drive:drive")
    folder = project(sandbox)
    plan = (
        await client.post(
            f"{FILES}/upload_prepare",
            json={"file_name": "m.bin", "parent_type": "explorer", "parent_node": folder, "size": 10},
            headers=bearer(pm),
        )
    ).json()["data"]
    assert (plan["block_size"], plan["block_num"]) == (4, 3)
    upload_id = plan["upload_id"]

    async def part(seq: str, content: bytes, uid: str = upload_id) -> int:
        body = {"data": {"upload_id": uid, "seq": seq, "size": str(len(content))}, "files": {"file": ("m", content)}}
        return int((await client.post(f"{FILES}/upload_part", **body, headers=bearer(pm))).json()["code"])  # type: ignore[arg-type]

    assert await part("0", b"abcd") == 0
    assert await part("3", b"abcd") == 1061002  # past the last block
    assert await part("1", b"abc") == 1061002  # a middle block must be full
    assert await part("0", b"abcd", uid="nope") == 1061002
    assert await part("2", b"ij") == 0
    finish = {"upload_id": upload_id, "block_num": 3}
    assert (await client.post(f"{FILES}/upload_finish", json=finish, headers=bearer(pm))).json()["code"] == 1061002
    assert await part("1", b"efgh") == 0
    done = (await client.post(f"{FILES}/upload_finish", json=finish, headers=bearer(pm))).json()["data"]
    assert sandbox.tenant.drive[done["file_token"]].content == b"abcdefghij"
    bad_size = await client.post(
        f"{FILES}/upload_prepare",
        json={"file_name": "m", "parent_type": "explorer", "parent_node": folder, "size": 0},
        headers=bearer(pm),
    )
    assert bad_size.json()["code"] == 1061002
    stale = (
        await client.post(
            f"{FILES}/upload_prepare",
            json={"file_name": "m", "parent_type": "explorer", "parent_node": folder, "size": 4},
            headers=bearer(pm),
        )
    ).json()["data"]
    clock.advance(25 * 3600)
    pm = user_token(sandbox, PM, "drive:drive")
    assert await part("0", b"abcd", uid=stale["upload_id"]) == 1061021


async def test_downloads_and_temporary_urls(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    dev1 = user_token(sandbox, DEV1, "drive:drive:readonly")
    logo = token_of(sandbox, "logo.png")
    got = await client.get(f"{FILES}/{logo}/download", headers=bearer(dev1))
    assert (got.status_code, got.headers["content-type"]) == (200, "image/png")
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''logo.png"
    folder = await client.get(f"{FILES}/{project(sandbox)}/download", headers=bearer(dev1))
    assert folder.json()["code"] == 1061003
    url = "/open-apis/drive/v1/medias/batch_get_tmp_download_url"
    links = (await client.get(url, params={"file_tokens": [logo]}, headers=bearer(dev1))).json()["data"]
    link = links["tmp_download_urls"][0]["tmp_download_url"]
    assert link.startswith("http://sandbox/space/api/box/stream/download/authcode/?code=")
    assert (await client.get(link.removeprefix("http://sandbox"))).content == got.content
    clock.advance(25 * 3600)
    assert (await client.get(link.removeprefix("http://sandbox"))).status_code == 404
    dev1 = user_token(sandbox, DEV1, "drive:drive:readonly")
    for tokens in ([], [logo] * 6):
        assert (await client.get(url, params={"file_tokens": tokens}, headers=bearer(dev1))).json()["code"] == 1061002
