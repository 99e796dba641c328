import json
import logging

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from larkgate.logs import RequestLogMiddleware, _Formatter, configure, request_id_var, scrub


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer u-abc.def",
        "GET /cb?code=SECRETCODE&state=S1",
        '{"refresh_token": "ur-123", "x": 1}',
        "client_secret=abc123",
    ],
)
def test_scrub_hides_credentials(line: str) -> None:
    out = scrub(line)
    for secret in ("u-abc.def", "SECRETCODE", "S1", "ur-123", "abc123"):
        assert secret not in out
    assert "***" in out


def test_json_formatter_includes_request_id_and_extras() -> None:
    record = logging.LogRecord("larkgate.x", logging.INFO, __file__, 1, "hello %s", ("w",), None)
    record.tool = "lark_whoami"
    token = request_id_var.set("rid12345")
    try:
        line = json.loads(_Formatter(as_json=True).format(record))
    finally:
        request_id_var.reset(token)
    assert line["msg"] == "hello w"
    assert line["request_id"] == "rid12345"
    assert line["tool"] == "lark_whoami"


def test_human_formatter_with_exception() -> None:
    try:
        raise ValueError("boom token=abc")
    except ValueError:
        import sys

        record = logging.LogRecord("l", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = _Formatter(as_json=False).format(record)
    assert "failed" in text
    assert "ValueError" in text
    assert "abc" not in text


def test_configure_installs_one_handler() -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    try:
        configure("json", "DEBUG")
        assert len(root.handlers) == 1
        assert root.level == logging.DEBUG
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


async def test_request_id_header_and_access_line_without_query(caplog: pytest.LogCaptureFixture) -> None:
    app = RequestLogMiddleware(Starlette(routes=[Route("/p", lambda _: PlainTextResponse("ok"))]))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
        with caplog.at_level(logging.INFO, logger="larkgate.http"):
            response = await client.get("/p?code=abc123", headers={"X-Request-Id": "given-id-1"})
            bad = await client.get("/p", headers={"X-Request-Id": "<script>"})
    assert response.headers["x-request-id"] == "given-id-1"
    assert bad.headers["x-request-id"] != "<script>"
    assert "abc123" not in caplog.text
    assert "GET /p 200" in caplog.text
