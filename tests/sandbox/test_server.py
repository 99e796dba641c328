import runpy
import socket
import subprocess
import sys
import threading
import time

import httpx2
import pytest
import uvicorn

from larkgate.clock import OffsetClock
from larkgate.sandbox import server as server_module
from larkgate.sandbox.server import base_url, bind, build_server, main, parse_args


def test_parse_args_defaults_and_options() -> None:
    args = parse_args([])
    assert (args.host, args.port, args.redirect_uri, args.rate_limit) == ("127.0.0.1", 0, [], 50.0)
    args = parse_args(
        ["--port", "9", "--redirect-uri", "http://a/cb", "--redirect-uri", "http://b/cb", "--rate-limit", "0"]
    )
    assert (args.port, args.redirect_uri, args.rate_limit) == (9, ["http://a/cb", "http://b/cb"], 0.0)


def test_base_url_formats_ipv4_and_ipv6() -> None:
    with bind("127.0.0.1", 0) as sock:
        assert base_url(sock) == f"http://127.0.0.1:{sock.getsockname()[1]}"
    if socket.has_ipv6:
        try:
            six = bind("::1", 0)
        except OSError:
            return
        with six:
            assert base_url(six) == f"http://[::1]:{six.getsockname()[1]}"


def test_server_serves_in_a_thread_with_an_offset_clock() -> None:
    server, sock, sandbox = build_server(parse_args(["--port", "0"]))
    assert isinstance(sandbox.config.clock, OffsetClock)
    url = base_url(sock)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        with httpx2.Client(base_url=url, timeout=5) as client:
            stats = client.get("/_control/stats")
            assert stats.status_code == 200
            assert stats.headers["x-tt-logid"]
            before = sandbox.config.clock.now()
            client.post("/_control/clock", json={"advance": 3600})
            assert sandbox.config.clock.now() - before >= 3600
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert not thread.is_alive()


def test_main_prints_the_base_url_then_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[list[socket.socket]] = []
    urls: list[str] = []

    def fake_run(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        served.append(sockets)
        urls.append(base_url(sockets[0]))

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    main(["--port", "0"])
    printed = capsys.readouterr().out.strip()
    assert printed == urls[0]
    assert served[0][0].fileno() == -1  # closed once serving ends


def test_dunder_main_calls_main(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(server_module, "main", lambda: calls.append("main"))
    runpy.run_module("larkgate.sandbox", run_name="__main__")
    assert calls == ["main"]


@pytest.mark.slow
def test_module_runs_standalone_and_prints_its_base_url() -> None:
    command = [sys.executable, "-m", "larkgate.sandbox", "--host", "127.0.0.1", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            deadline = time.monotonic() + 10
            with httpx2.Client(base_url=url, timeout=5) as client:
                while True:
                    try:
                        answer = client.get("/open-apis/authen/v1/user_info")
                        break
                    except httpx2.TransportError:
                        assert time.monotonic() < deadline
                        time.sleep(0.05)
                assert answer.json()["code"] == 99991661
        finally:
            process.terminate()
            process.wait(timeout=10)
