"""Run the sandbox alone under uvicorn, for tests that need it in another process.

`python -m larkgate.sandbox --host 127.0.0.1 --port 0` binds (0 picks a free port), prints the base URL on the first
line of stdout, then serves until interrupted. Time runs on an `OffsetClock`, so `POST /_control/clock` can move it.
"""

from __future__ import annotations

import argparse
import socket

import uvicorn

from larkgate.clock import OffsetClock
from larkgate.sandbox.config import SandboxConfig
from larkgate.sandbox.emulator import Sandbox


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m larkgate.sandbox", description="Run the Feishu emulator alone.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument(
        "--redirect-uri", action="append", default=[], help="an allowed redirect URI (repeatable; default: loopback)"
    )
    parser.add_argument("--rate-limit", type=float, default=50.0, help="requests per second per token and API")
    return parser.parse_args(argv)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; connections queue until uvicorn accepts them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def base_url(sock: socket.socket) -> str:
    """The http URL a socket serves."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def build_server(args: argparse.Namespace) -> tuple[uvicorn.Server, socket.socket, Sandbox]:
    """The uvicorn server, its bound socket and the sandbox it serves."""
    config = SandboxConfig(clock=OffsetClock(), redirect_uris=args.redirect_uri, rate_limit_per_second=args.rate_limit)
    sandbox = Sandbox(config)
    sock = bind(args.host, args.port)
    server = uvicorn.Server(uvicorn.Config(sandbox.app(), lifespan="off", log_level="warning", access_log=False))
    return server, sock, sandbox


def main(argv: list[str] | None = None) -> None:
    """Serve the sandbox until interrupted, after printing its base URL."""
    server, sock, _ = build_server(parse_args(argv))
    print(base_url(sock), flush=True)
    with sock:
        server.run(sockets=[sock])
