import json
import logging
import random
import re
import sys
import time

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from larkgate.logs import (
    _SECRETS,
    _WORDS,
    RequestLogMiddleware,
    _Formatter,
    annotate,
    configure,
    request_id_var,
    scrub,
)


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer u-abc.def",
        "GET /cb?code=SECRETCODE&state=S1",
        '{"refresh_token": "ur-123", "x": 1}',
        "client_secret=abc123",
        "BASIC abc123",
        "Token=abc123",
        "app_secret: 'abc123'",
        "PASSWORD=abc123",
        # Unicode case folding matches these to ASCII letters: the regex must still run on them.
        "ſecret=abc123",
        "BASİC abc123",
        "toKen=abc123",
        "飞书 code=abc123",
    ],
)
def test_scrub_hides_credentials(line: str) -> None:
    out = scrub(line)
    for secret in ("u-abc.def", "SECRETCODE", "S1", "ur-123", "abc123"):
        assert secret not in out
    assert "***" in out


@pytest.mark.parametrize("line", ["", "GET /mcp 200 ms=1.2", "飞书 文档", "tool call tool=lark_whoami outcome=ok"])
def test_scrub_leaves_plain_text_alone(line: str) -> None:
    assert scrub(line) == line


def test_every_word_of_the_pattern_holds_a_precheck_word() -> None:
    """The pre-check may skip the regex only if every match must contain one of its words."""
    names = re.findall(r"[a-z_]{4,}", _SECRETS.pattern)
    assert len(names) == 12
    for name in names:
        assert any(word in name for word in _WORDS), name


def test_scrub_agrees_with_the_bare_regex() -> None:
    """Random lines built from credential names, case variants, Unicode look-alikes and separators."""
    pieces = [
        *(word for name in re.findall(r"[a-z_]{4,}", _SECRETS.pattern) for word in (name, name.upper(), name.title())),
        *"ſKıİ飞 \t=:\"'&,;}/?_-",
        "abc",
        "X1",
    ]
    rng = random.Random(20240601)  # noqa: S311 - seeded for reproducible cases, not security
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert scrub(text) == _SECRETS.sub(lambda m: m.group(1) + "***", text), text


def _record(msg: str = "hello %s", args: tuple[object, ...] = ("w",), **extra: object) -> logging.LogRecord:
    return logging.getLogger("larkgate.x").makeRecord(
        "larkgate.x", logging.INFO, __file__, 1, msg, args, None, extra=extra or None
    )


def test_json_formatter_includes_request_id_and_extras() -> None:
    record = _record(tool="lark_whoami")
    token = request_id_var.set("rid12345")
    try:
        line = json.loads(_Formatter(as_json=True).format(record))
    finally:
        request_id_var.reset(token)
    assert line["msg"] == "hello w"
    assert line["request_id"] == "rid12345"
    assert line["tool"] == "lark_whoami"


def test_json_formatter_without_extras_or_request_id() -> None:
    record = _record(msg="飞书 ok", args=())
    record.created = 1_700_000_000.12345
    line = json.loads(_Formatter(as_json=True).format(record))
    assert line == {"ts": 1_700_000_000.123, "level": "INFO", "logger": "larkgate.x", "msg": "飞书 ok"}


def test_json_formatter_scrubs_message_extras_and_exception() -> None:
    text = "boom refresh_token=ur-1"
    try:
        raise ValueError(text)
    except ValueError:
        record = logging.LogRecord("l", logging.ERROR, __file__, 1, "url %s", ("/cb?code=c1",), sys.exc_info())
    record.header = "Bearer u-2"
    formatted = _Formatter(as_json=True).format(record)
    for secret in ("ur-1", "c1", "u-2"):
        assert secret not in formatted
    line = json.loads(formatted)
    assert "ValueError" in line["msg"]
    assert line["header"] == "Bearer ***"


def test_json_lines_always_parse_and_hold_the_scrubbed_message() -> None:
    """Quotes and backslashes next to a credential once cut a JSON escape in half (`token=x"` → `token=***"`)."""
    pieces = ["token=", "state:", "code=", "Bearer ", '"', "\\", "\\n", "'", "x1", " ", "\n", "\t", "}", ",", "飞书"]
    rng = random.Random(20261121)  # noqa: S311 - seeded for reproducible cases, not security
    formatter = _Formatter(as_json=True)
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        line = json.loads(formatter.format(_record(msg=text, args=(), note=text)))
        assert line["msg"] == scrub(text), text
        assert line["note"] == scrub(text), text


class _Opaque:
    def __str__(self) -> str:
        return "client_secret=s3"


def test_json_extras_named_like_credentials_are_hidden_whatever_their_type() -> None:
    record = _record(
        code=200,
        state=None,
        ids=["a1", "token=t1"],
        nested={"refresh_token": ["r1"], "n": 1.5, "ok": True},
        opaque=_Opaque(),
    )
    formatted = _Formatter(as_json=True).format(record)
    for secret in ("t1", "r1", "s3"):
        assert secret not in formatted
    line = json.loads(formatted)
    assert line["code"] == "***"
    assert line["state"] == "***"
    assert line["ids"] == ["a1", "token=***"]
    assert line["nested"] == {"refresh_token": "***", "n": 1.5, "ok": True}
    assert line["opaque"] == "client_secret=***"


def test_human_formatter_line() -> None:
    record = _record(ms=1.5, tool="t", _private=1)
    record.created = 1_700_000_000.5
    stamp = time.strftime("%H:%M:%S", time.localtime(1_700_000_000))
    formatter = _Formatter(as_json=False)
    assert formatter.format(record) == f"{stamp} INFO    larkgate.x hello w ms=1.5 tool=t"
    token = request_id_var.set("rid12345")
    try:
        assert formatter.format(_record()).endswith(" INFO    larkgate.x [rid12345] hello w")
    finally:
        request_id_var.reset(token)
    empty = _record(msg="", args=())
    empty.created = 1_700_000_000.9
    assert formatter.format(empty) == f"{stamp} INFO    larkgate.x"


def test_human_formatter_stamp_follows_the_second() -> None:
    formatter = _Formatter(as_json=False)
    lines = []
    for created in (1_700_000_000.1, 1_700_000_000.9, 1_700_000_001.0, 1_700_000_000.2):
        record = _record()
        record.created = created
        lines.append(formatter.format(record).split(" ")[0])
    expected = [time.strftime("%H:%M:%S", time.localtime(int(c))) for c in (1_700_000_000, 1_700_000_001)]
    assert lines == [expected[0], expected[0], expected[1], expected[0]]


def test_human_formatter_with_exception() -> None:
    try:
        raise ValueError("boom token=abc")
    except ValueError:
        record = logging.LogRecord("l", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    text = _Formatter(as_json=False).format(record)
    assert "failed" in text
    assert "ValueError" in text
    assert "abc" not in text


def test_configure_installs_one_handler() -> None:
    root = logging.getLogger()
    saved, level = root.handlers[:], root.level
    switches = (logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
    try:
        configure("json", "DEBUG")
        assert len(root.handlers) == 1
        assert root.level == logging.DEBUG
        # Nothing we print needs the caller's file, thread or process: records skip finding them.
        record = logging.getLogger("larkgate.t").makeRecord("larkgate.t", logging.INFO, "f", 1, "m", (), None)
        assert (record.thread, record.process) == (None, None)
        assert logging._srcfile is None
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
        logging._srcfile, logging.logThreads, logging.logProcesses, logging.logMultiprocessing = switches


async def test_fields_annotated_while_serving_ride_on_the_access_line(caplog: pytest.LogCaptureFixture) -> None:
    assert annotate(tool="outside") is False  # no request: the caller logs its own line

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert annotate(tool="lark_whoami", outcome="ok") is True
        await _ok(scope, receive, send)

    with caplog.at_level(logging.INFO, logger="larkgate.http"):
        await _run(RequestLogMiddleware(app), {"type": "http", "method": "POST", "path": "/mcp"})
        await _run(RequestLogMiddleware(_ok), {"type": "http", "method": "GET", "path": "/healthz"})
    annotated, plain = caplog.records
    assert (annotated.tool, annotated.outcome) == ("lark_whoami", "ok")  # type: ignore[attr-defined]
    assert not hasattr(plain, "tool")  # each request starts with no fields
    assert annotate(tool="after") is False


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
    assert "ms" in caplog.records[0].__dict__


async def _run(middleware: RequestLogMiddleware, scope: Scope) -> list[dict[str, object]]:
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await middleware(scope, receive, send)
    return sent


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204})
    await send({"type": "http.response.body", "body": b""})


async def test_request_id_is_the_last_header_of_that_name() -> None:
    headers = [(b"x-request-id", b"first-id-1"), (b"accept", b"*/*"), (b"x-request-id", b"second-id-2")]
    sent = await _run(RequestLogMiddleware(_ok), {"type": "http", "method": "GET", "path": "/", "headers": headers})
    assert sent[0]["headers"] == [(b"x-request-id", b"second-id-2")]


async def test_scope_without_headers_gets_a_fresh_request_id() -> None:
    sent = await _run(RequestLogMiddleware(_ok), {"type": "http"})
    start_headers = sent[0]["headers"]
    assert isinstance(start_headers, list)
    assert re.fullmatch(rb"[0-9a-f]{16}", start_headers[0][1])


async def test_other_scopes_pass_through(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    with caplog.at_level(logging.INFO, logger="larkgate.http"):
        await _run(RequestLogMiddleware(app), {"type": "lifespan"})
    assert seen == ["lifespan"]
    assert not caplog.records


def test_uvicorns_coloured_copy_of_the_message_is_left_out() -> None:
    record = logging.makeLogRecord({"msg": "Started server process [%d]", "args": (7,), "name": "uvicorn.error"})
    record.color_message = "Started server process [\x1b[36m%d\x1b[0m]"
    for as_json in (False, True):
        text = _Formatter(as_json=as_json).format(record)
        assert "Started server process [7]" in text
        assert "color_message" not in text
        assert "\x1b" not in text
