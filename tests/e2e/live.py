"""A real gateway on a loopback port, served by uvicorn in a background thread, with a clock tests can move."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

from larkgate.app import Runtime, build_runtime, create_app
from larkgate.clock import OffsetClock
from larkgate.settings import load_settings


class LiveGateway:
    """`larkgate serve --sandbox` in-process: the same app, a real socket, a shared adjustable clock."""

    def __init__(self, data_dir: Path, runtime_options: dict[str, Any] | None = None, **settings: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY (see cli)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.clock = OffsetClock()
        # Tests see every toolset unless they test the operator's default itself.
        options: dict[str, Any] = {
            "sandbox": True,
            "port": self.port,
            "data_dir": data_dir,
            "refresher_interval": 0,
            "default_toolsets": "all",
        }
        options.update(settings)
        self.settings = load_settings(**options)
        self.runtime: Runtime = build_runtime(self.settings, clock=self.clock, **(runtime_options or {}))
        self.app = create_app(self.runtime)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, log_config=None, access_log=False, lifespan="on", timeout_graceful_shutdown=30)
        )
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def mcp_url(self) -> str:
        return self.settings.mcp_url

    def start(self) -> LiveGateway:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.server.started:
                return self
            if not self.thread.is_alive():
                raise RuntimeError("gateway thread died during startup")
            time.sleep(0.02)
        raise RuntimeError("gateway did not start in 20 s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=45)
        self.sock.close()

    def http(self, **kwargs: Any) -> httpx2.AsyncClient:
        """A client for this very server (its own socket, whatever public URL it answers to)."""
        local = f"http://127.0.0.1:{self.port}"
        return httpx2.AsyncClient(base_url=local, follow_redirects=False, timeout=30, **kwargs)
