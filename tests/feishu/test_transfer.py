"""Binary downloads: bytes up to a cap, the filename, and Feishu's error answers as typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx2
import pytest

from larkgate import errors
from larkgate.feishu.client import FeishuClient
from larkgate.feishu.transfer import download, filename_of

PATH = "/open-apis/drive/v1/files/boxcnX/download"


def client_for(answer: Callable[[httpx2.Request], httpx2.Response]) -> FeishuClient:
    return FeishuClient("https://open.feishu.test", "cli_x", "secret", transport=httpx2.MockTransport(answer))


async def fetch(answer: Callable[[httpx2.Request], httpx2.Response], max_bytes: int = 100) -> object:
    client = client_for(answer)
    try:
        return await download(client, PATH, token="u-token", query={"extra": "1"}, max_bytes=max_bytes)
    finally:
        await client.aclose()


async def test_small_file_with_its_name_and_type() -> None:
    seen: list[httpx2.Request] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        headers = {
            "content-type": "text/plain; charset=utf-8",
            "content-disposition": "attachment; filename*=UTF-8''%E7%BA%AA%E8%A6%81.txt",
            "x-tt-logid": "log-1",
        }
        return httpx2.Response(200, content=b"hello", headers=headers)

    got = await fetch(answer)
    assert got.content == b"hello"  # type: ignore[attr-defined]
    assert (got.complete, got.content_type, got.filename, got.size, got.log_id) == (  # type: ignore[attr-defined]
        True,
        "text/plain",
        "纪要.txt",
        5,
        "log-1",
    )
    assert seen[0].headers["authorization"] == "Bearer u-token"
    assert seen[0].url.params["extra"] == "1"


async def test_a_body_over_the_cap_is_not_kept() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 64

    got = await fetch(lambda _: httpx2.Response(200, content=chunks()), max_bytes=100)
    assert (got.complete, got.content, got.content_type, got.size) == (False, b"", "application/octet-stream", None)  # type: ignore[attr-defined]


async def test_a_json_file_is_content_not_an_error() -> None:
    got = await fetch(lambda _: httpx2.Response(200, json={"code": 0, "msg": "ok", "data": 1}))
    assert got.complete  # type: ignore[attr-defined]
    plain = await fetch(lambda _: httpx2.Response(200, json=[1, 2]))
    assert plain.content == b"[1,2]"  # type: ignore[attr-defined]


async def test_error_envelopes_become_typed_errors() -> None:
    scope = {
        "code": 99991679,
        "msg": "no scope",
        "error": {"permission_violations": [{"subject": "drive:drive:readonly"}, {"x": 1}]},
    }
    with pytest.raises(errors.FeishuScopeError) as scoped:
        await fetch(lambda _: httpx2.Response(400, json=scope, headers={"x-tt-logid": "log-2"}))
    assert (scoped.value.scopes, scoped.value.log_id) == (("drive:drive:readonly",), "log-2")
    with pytest.raises(errors.FeishuError) as forbidden:
        await fetch(lambda _: httpx2.Response(403, json={"code": 1061004, "msg": "forbidden"}))
    assert forbidden.value.code == 1061004
    with pytest.raises(errors.FeishuError) as in_200:
        await fetch(lambda _: httpx2.Response(200, json={"code": 1061003, "msg": "not found", "error": "odd"}))
    assert in_200.value.code == 1061003


async def test_rate_limits_outages_and_transport_failures() -> None:
    with pytest.raises(errors.FeishuRateLimited) as limited:
        await fetch(lambda _: httpx2.Response(429, text="slow down", headers={"x-ogw-ratelimit-reset": "7"}))
    assert limited.value.retry_after == 7
    with pytest.raises(errors.FeishuRateLimited) as odd_reset:
        await fetch(
            lambda _: httpx2.Response(
                200, json={"code": 99991400, "msg": "limited"}, headers={"x-ogw-ratelimit-reset": "x"}
            )
        )
    assert odd_reset.value.retry_after == 1
    with pytest.raises(errors.FeishuUnavailable, match="HTTP 502"):
        await fetch(lambda _: httpx2.Response(502, text="bad gateway"))
    with pytest.raises(errors.FeishuUnavailable, match="HTTP 404"):
        await fetch(lambda _: httpx2.Response(404, text="404 page not found"))

    def refuse(_: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused")

    with pytest.raises(errors.FeishuUnavailable, match="could not be reached"):
        await fetch(refuse)

    def slow(_: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("slow")

    with pytest.raises(errors.FeishuUnavailable, match="timed out"):
        await fetch(slow)


def test_filenames() -> None:
    assert filename_of('attachment; filename="a b.pdf"') == "a b.pdf"
    assert filename_of("attachment; filename=plain.txt; size=3") == "plain.txt"
    assert filename_of("attachment") is None
    assert filename_of("") is None
