"""The `larkgate` command: serve (production refusals, sandbox start, health, graceful stop) and users."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest

from larkgate.cli import main
from larkgate.store.engine import Database
from tests.e2e.live import LiveGateway
from tests.e2e.oauth import Flow

LARKGATE = [sys.executable, "-m", "larkgate.cli"]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LARKGATE_")}
    env.update(extra)
    return env


def test_production_refuses_to_start_and_names_what_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        [*LARKGATE, "serve", "--data-dir", str(tmp_path), "--port", "0"],
        env=_clean_env(LARKGATE_APP_ID="cli_x"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    for name in ("LARKGATE_APP_SECRET", "LARKGATE_PUBLIC_URL", "LARKGATE_MASTER_KEY"):
        assert name in done.stderr
    assert "Traceback" not in done.stderr


def test_invalid_setting_is_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.environ["LARKGATE_BRAND"] = "nope"
    try:
        assert main(["serve", "--sandbox", "--data-dir", str(tmp_path)]) == 2
    finally:
        del os.environ["LARKGATE_BRAND"]
    assert "LARKGATE_BRAND" in capsys.readouterr().err


def test_sandbox_serve_prints_the_url_answers_health_and_stops_gracefully(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*LARKGATE, "serve", "--sandbox", "--port", "0", "--data-dir", str(tmp_path)],
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        proc.stdout.readline()
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/mcp")
        base = url.removesuffix("/mcp")
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx2.get(base + "/healthz", timeout=2)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "server did not come up"
                time.sleep(0.05)
        assert health.json() == {"status": "ok"}
        assert httpx2.get(base + "/readyz", timeout=5).json() == {"status": "ready"}
        key = tmp_path / "master.key"
        assert key.stat().st_mode & 0o777 == 0o600
        proc.send_signal(signal.SIGTERM)
        # uvicorn finishes in-flight requests, runs our shutdown, then re-raises the signal it caught.
        assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stderr is not None
        log = proc.stderr.read()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()
    assert "Traceback" not in log
    assert "larkgate stopped" in log


def test_users_list_and_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    live = LiveGateway(data).start()
    try:

        async def sign_in() -> dict[str, object]:
            async with live.http() as http:
                return await Flow(http, live.mcp_url).tokens("dev2@sandbox.example")

        tokens = asyncio.run(sign_in())
        assert main(["users", "--data-dir", str(data)]) == 0
        listing = capsys.readouterr().out
        assert "dev2@sandbox.example" in listing
        assert str(tokens["access_token"]) not in listing
        user_id = next(line.split()[0] for line in listing.splitlines() if "dev2@sandbox.example" in line)
        assert main(["users", "--data-dir", str(data), "revoke", user_id]) == 0
        assert "revoked" in capsys.readouterr().out

        async def call() -> int:
            async with live.http() as http:
                response = await http.post(
                    "/mcp",
                    json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                    headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
                )
                return response.status_code

        assert asyncio.run(call()) == 401
        assert main(["users", "--data-dir", str(data), "revoke", "no-such-member"]) == 2
        assert "no member" in capsys.readouterr().err
    finally:
        live.stop()


def test_users_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_migrated(tmp_path))
    assert main(["users", "--data-dir", str(tmp_path)]) == 0
    assert "no members" in capsys.readouterr().out


async def _migrated(data_dir: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'larkgate.db'}")
    try:
        await db.migrate()
    finally:
        await db.close()


def test_users_on_a_dir_the_gateway_never_used_is_an_error_not_an_empty_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for data_dir in (tmp_path, tmp_path / "missing"):
        assert main(["users", "--data-dir", str(data_dir)]) == 2
        assert f"no larkgate database in {data_dir}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing was created


def test_catalog_stats_and_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "stats"]) == 0
    out = capsys.readouterr().out
    assert "APIs" in out
    assert "\nim " in out
    assert main(["catalog", "generate", "--sdk", str(tmp_path / "missing"), "--out", str(tmp_path / "c.gz")]) == 2
