"""What larkgate adds on top of the Feishu call it makes: latency, throughput, cold start and memory, on loopback.

    .venv/bin/python bench/overhead.py                  # spawns its own sandbox gateway in a temp dir
    .venv/bin/python bench/overhead.py --url http://127.0.0.1:8000 [--pid N]   # an already-running sandbox
    .venv/bin/python bench/overhead.py serve --port 8000 --data-dir DIR        # a sandbox gateway to aim --url at

Measured (see bench/README.md for how to read the figures):
- `lark_whoami` through /mcp versus the same Feishu call made directly (`GET /_sandbox/open-apis/authen/v1/user_info`
  with the member's Feishu token from the sandbox control API), at concurrency 1 and 32: p50 / p99 latency, calls/s;
  the added overhead is gateway minus direct, per percentile. The paths take turns in blocks of calls, so drift in
  the machine's speed (large on shared VMs) does not land on one path only.
- Cold start: spawning `larkgate serve --sandbox` on an existing data dir until its first authenticated `tools/list`
  answers (median of several runs).
- RSS of the gateway process after the load (VmRSS, and the peak VmHWM, from /proc/<pid>/status).

MCP path: raw JSON-RPC POSTs over Streamable HTTP in each protocol era (`--eras`): 2025-11-25 with one MCP session
per worker (initialize once, then `tools/call` with its Mcp-Session-Id), and 2026-07-28 with self-contained requests;
all workers share one keep-alive connection pool. Raw requests keep client-side work identical on both paths, so the
difference is the gateway's.

The sandbox meters each (token, API) at 50 calls/s, as Feishu does; a benchmark would measure that limiter, so the
gateway this script spawns for the load runs `larkgate serve --sandbox` with `LARKGATE_SANDBOX_RATE_LIMIT=0`.
Cold-start runs use the plain command. Everything stays on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

REPO = Path(__file__).resolve().parents[1]
EMAIL = "pm@sandbox.example"
REDIRECT_URI = "http://127.0.0.1:7777/callback"
LEGACY = "2025-11-25"  # sessions: initialize, then Mcp-Session-Id on every request
MODERN = "2026-07-28"  # stateless: self-contained requests
CLIENT_INFO = {"name": "larkgate-bench", "version": "0"}
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
    "io.modelcontextprotocol/clientCapabilities": {},
}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
USER_INFO = "/_sandbox/open-apis/authen/v1/user_info"
TARGETS = {"p50": 2.0, "p99": 10.0, "cold_start_s": 1.5, "rss_mb": 150.0}
REQUEST_TIMEOUT = 30.0
BLOCK_CALLS = 250  # calls per path per turn when the paths are interleaved


# ---------------------------------------------------------------------------------------------------------------
# The gateway process


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def larkgate_command() -> list[str]:
    """The `larkgate` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "larkgate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "larkgate.cli"]


class Gateway:
    """A gateway subprocess on a fixed loopback port; its output goes to a log file in the data dir."""

    def __init__(self, data_dir: Path, port: int, *, unthrottled: bool) -> None:
        self.data_dir = data_dir
        self.port = port
        self.unthrottled = unthrottled
        self.base_url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "gateway.log"

    def spawn(self) -> None:
        """Start the process (returns at once)."""
        args = ["--port", str(self.port), "--data-dir", str(self.data_dir)]
        command = [*larkgate_command(), "serve", "--sandbox", *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LARKGATE_")}
        if self.unthrottled:
            env["LARKGATE_SANDBOX_RATE_LIMIT"] = "0"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)

    def check_alive(self) -> None:
        """Raise with the end of the log when the process has exited."""
        if self.proc is not None and self.proc.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"gateway exited with {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None


async def wait_listening(gateway: Gateway, deadline_s: float = 30.0) -> None:
    """Poll until the port accepts TCP connections."""
    deadline = time.perf_counter() + deadline_s
    while time.perf_counter() < deadline:
        gateway.check_alive()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        except OSError:
            await asyncio.sleep(0.005)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError(f"gateway not listening after {deadline_s:.0f} s")


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time a process has used so far (None without a pid)."""
    if pid is None:
        return None
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


# ---------------------------------------------------------------------------------------------------------------
# A member signs in (the no-JavaScript form walker of the end-to-end tests) and the client redeems the code


async def sign_in(base_url: str, email: str = EMAIL) -> str:
    """DCR, authorize with PKCE, walk consent + sandbox sign-in as `email`, redeem the code; the MCP access token."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.e2e.browser import Browser

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    mcp_url = f"{base_url}/mcp"
    async with httpx2.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
        registered = await http.post(
            "/register",
            json={
                "client_name": "larkgate bench",
                "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "none",
            },
        )
        registered.raise_for_status()
        client_id = registered.json()["client_id"]
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": secrets.token_urlsafe(8),
            "resource": mcp_url,
        }
        browser = Browser(http, stop_at=REDIRECT_URI)
        page = await browser.open(f"{base_url}/authorize?{urlencode(query)}")
        page = await browser.submit(page, "Approve")  # larkgate's consent
        page = await browser.submit(page, email)  # the sandbox account picker
        page = await browser.submit(page, "Approve")  # the sandbox scope consent
        returned = {k: v[0] for k, v in parse_qs(urlsplit(browser.history[-1]).query).items()}
        if "code" not in returned:
            raise RuntimeError(f"sign-in did not return a code: {returned}")
        token = await http.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": returned["code"],
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
                "client_id": client_id,
                "resource": mcp_url,
            },
        )
        token.raise_for_status()
        return str(token.json()["access_token"])


async def feishu_token(http: httpx2.AsyncClient, base_url: str, email: str = EMAIL) -> str:
    """The member's Feishu user token, minted by the sandbox control API."""
    response = await http.post(
        f"{base_url}/_sandbox/_control/tokens", json={"email": email, "scopes": ["contact:user.base:readonly"]}
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


# ---------------------------------------------------------------------------------------------------------------
# Raw JSON-RPC over Streamable HTTP


def _jsonrpc_result(response: httpx2.Response, request_id: int) -> dict[str, Any]:
    """The result of request `request_id` from a JSON or SSE answer; raises on JSON-RPC or HTTP errors."""
    if response.status_code != 200:
        raise RuntimeError(f"/mcp answered HTTP {response.status_code}: {response.text[:300]}")
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        messages = [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]
    else:
        messages = [response.json()]
    for message in messages:
        if message.get("id") == request_id:
            if "error" in message:
                raise RuntimeError(f"JSON-RPC error: {message['error']}")
            return dict(message["result"])
    raise RuntimeError(f"no answer to request {request_id}: {response.text[:300]}")


class McpSession:
    """MCP over a shared HTTP client, in one protocol era.

    2025-11-25: one session (initialize once, then every request carries its Mcp-Session-Id; answers come as SSE).
    2026-07-28: no handshake; every request is self-contained, with the routing headers and the client's `_meta`.
    """

    def __init__(self, http: httpx2.AsyncClient, mcp_url: str, token: str, protocol: str = LEGACY) -> None:
        self.http = http
        self.url = mcp_url
        self.protocol = protocol
        self.headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        self.next_id = 0

    async def _post(self, method: str, params: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
        self.next_id += 1
        body: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        headers = self.headers
        if self.protocol == MODERN:
            params = {**(params or {}), "_meta": MODERN_META}
            headers = {**headers, "Mcp-Method": method, **({"Mcp-Name": name} if name else {})}
        if params is not None:
            body["params"] = params
        response = await self.http.post(self.url, content=json.dumps(body), headers=headers)
        return _jsonrpc_result(response, self.next_id)

    async def open(self) -> McpSession:
        """2025-11-25: initialize + notifications/initialized; 2026-07-28: only the version header."""
        self.headers["MCP-Protocol-Version"] = self.protocol
        if self.protocol == MODERN:
            return self
        self.next_id += 1
        init = {
            "jsonrpc": "2.0",
            "id": self.next_id,
            "method": "initialize",
            "params": {"protocolVersion": self.protocol, "capabilities": {}, "clientInfo": CLIENT_INFO},
        }
        del self.headers["MCP-Protocol-Version"]  # the handshake negotiates it
        response = await self.http.post(self.url, content=json.dumps(init), headers=self.headers)
        result = _jsonrpc_result(response, self.next_id)
        session = response.headers.get("mcp-session-id")
        if session:
            self.headers["Mcp-Session-Id"] = session
        self.headers["MCP-Protocol-Version"] = str(result.get("protocolVersion", self.protocol))
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        acknowledged = await self.http.post(self.url, content=json.dumps(note), headers=self.headers)
        if acknowledged.status_code not in (200, 202):
            raise RuntimeError(f"notifications/initialized answered HTTP {acknowledged.status_code}")
        return self

    async def tools_list(self) -> list[str]:
        """Names of the listed tools."""
        return [tool["name"] for tool in (await self._post("tools/list"))["tools"]]

    async def whoami(self) -> dict[str, Any]:
        """lark_whoami's structured result; raises when the tool reports an error."""
        result = await self._post("tools/call", {"name": "lark_whoami", "arguments": {}}, name="lark_whoami")
        if result.get("isError"):
            raise RuntimeError(f"lark_whoami failed: {result.get('content')}")
        return dict(result.get("structuredContent") or {})

    async def close(self) -> None:
        """End the session (DELETE)."""
        if "Mcp-Session-Id" in self.headers:
            await self.http.delete(self.url, headers=self.headers)


# ---------------------------------------------------------------------------------------------------------------
# Load and statistics


@dataclass
class Run:
    """Latencies (seconds) of one bounded load and its wall time."""

    label: str
    concurrency: int
    latencies: list[float]
    wall: float
    server_cpu: float | None = None  # CPU seconds the gateway process spent on this run
    client_cpu: float = 0.0  # CPU seconds this script (the load generator) spent on it

    @property
    def cpu_ms_per_call(self) -> float | None:
        """Gateway CPU per call, in ms: unlike latency, barely moved by other work on the machine."""
        return None if self.server_cpu is None else self.server_cpu / len(self.latencies) * 1000

    @property
    def client_cpu_ms_per_call(self) -> float:
        """This script's own CPU per call, in ms: the two share the machine's CPUs at high concurrency."""
        return self.client_cpu / len(self.latencies) * 1000

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile, in ms."""
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall


async def load(
    label: str, call: Callable[[int], Awaitable[object]], total: int, concurrency: int, pid: int | None = None
) -> Run:
    """`total` calls spread over `concurrency` workers, each worker calling `call(worker)` back to back."""
    remaining = iter(range(total))
    latencies: list[float] = []

    async def worker(index: int) -> None:
        for _ in remaining:
            started = time.perf_counter()
            await call(index)
            latencies.append(time.perf_counter() - started)

    cpu_before, client_before = cpu_seconds(pid), time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    wall = time.perf_counter() - started
    cpu_after, client_after = cpu_seconds(pid), time.process_time()
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Run(label, concurrency, latencies, wall, cpu, client_after - client_before)


async def interleaved(
    paths: dict[str, Callable[[int], Awaitable[object]]], total: int, concurrency: int, pid: int | None
) -> list[Run]:
    """`total` calls per path, the paths taking turns in blocks, so whatever else the machine does in the meantime
    falls on every path alike (a gateway path and the direct one measured minutes apart can differ by more than
    what the gateway adds). Each path's latencies, wall time and gateway CPU are the sums over its blocks."""
    block = max(BLOCK_CALLS, concurrency * 4)
    runs = {label: Run(label, concurrency, [], 0.0, None if pid is None else 0.0) for label in paths}
    done = 0
    while done < total:
        size = min(block, total - done)
        for label, call in paths.items():
            part = await load(label, call, size, concurrency, pid)
            run = runs[label]
            run.latencies += part.latencies
            run.wall += part.wall
            run.client_cpu += part.client_cpu
            if run.server_cpu is not None and part.server_cpu is not None:
                run.server_cpu += part.server_cpu
        done += size
    return list(runs.values())


async def measure_load(
    base_url: str, calls: dict[int, int], warmup: int, pid: int | None, eras: list[str]
) -> tuple[list[Run], dict[str, Any], dict[str, Any], str]:
    """Sign in, then run the gateway (in each protocol era) and the direct path at each concurrency.

    Returns the runs, who lark_whoami said we are, the sandbox's counters and the MCP access token.
    """
    access = await sign_in(base_url)
    widest = max(calls)
    limits = httpx2.Limits(max_connections=widest * 2, max_keepalive_connections=widest * 2)
    async with httpx2.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as http:
        feishu = await feishu_token(http, base_url)
        direct_headers = {"Authorization": f"Bearer {feishu}"}
        sessions = {
            era: [await McpSession(http, f"{base_url}/mcp", access, era).open() for _ in range(widest)] for era in eras
        }
        try:
            for era in eras:
                me = await sessions[era][0].whoami()
                if me.get("email") != EMAIL:
                    raise RuntimeError(f"lark_whoami ({era}) answered for someone else: {me}")

            def through_gateway(era: str) -> Callable[[int], Awaitable[object]]:
                return lambda worker: sessions[era][worker].whoami()

            async def direct(_worker: int) -> None:
                response = await http.get(f"{base_url}{USER_INFO}", headers=direct_headers)
                if response.status_code != 200 or response.json().get("code") != 0:
                    raise RuntimeError(f"user_info answered {response.status_code}: {response.text[:200]}")

            await http.post(f"{base_url}/_sandbox/_control/reset-stats")
            for era in eras:
                await load("warm-up", through_gateway(era), warmup, min(4, widest))
            await load("warm-up", direct, warmup, min(4, widest))
            runs: list[Run] = []
            for concurrency, total in sorted(calls.items()):
                paths = {**{era: through_gateway(era) for era in eras}, "direct": direct}
                runs.extend(await interleaved(paths, total, concurrency, pid))
            stats = (await http.get(f"{base_url}/_sandbox/_control/stats")).json()
        finally:
            for session in (session for opened in sessions.values() for session in opened):
                with contextlib.suppress(httpx2.HTTPError):
                    await session.close()
    return runs, me, stats, access


async def cold_start(gateway: Gateway, token: str) -> tuple[float, float]:
    """Spawn → listening → first authenticated tools/list; (seconds to listening, seconds to tools/list)."""
    started = time.perf_counter()
    gateway.spawn()
    try:
        await wait_listening(gateway)
        listening = time.perf_counter() - started
        async with httpx2.AsyncClient(timeout=REQUEST_TIMEOUT) as http:
            session = await McpSession(http, f"{gateway.base_url}/mcp", token).open()
            names = await session.tools_list()
            done = time.perf_counter() - started
            await session.close()
        if "lark_whoami" not in names:
            raise RuntimeError(f"tools/list without lark_whoami: {names}")
        return listening, done
    finally:
        gateway.stop()


# ---------------------------------------------------------------------------------------------------------------
# Report


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


def report(
    runs: list[Run],
    me: dict[str, Any],
    stats: dict[str, Any],
    cold: list[tuple[float, float]],
    memory: dict[str, int] | None,
    where: str,
) -> None:
    """Print the figures as one compact table."""
    cpus = os.cpu_count()
    load1 = os.getloadavg()[0]
    print(f"larkgate overhead · {where}")
    print(
        f"Python {platform.python_version()} · {cpus} CPUs · {platform.machine()} · load average {load1:.1f} at the end"
    )
    print(f"signed in as {me.get('email')} · sandbox rate-limited answers during the load: {stats.get('rate_limited')}")
    if stats.get("rate_limited"):
        print("WARNING: the sandbox's rate limiter answered 429s, so these figures include Feishu-style back-off;")
        print("         let this script start the gateway (no --url) to measure without it.")
    print()
    print(
        f"{'path':<34}{'conc':>5}{'calls':>7}{'calls/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'server CPU ms/call':>20}"
        f"{'client CPU ms/call':>20}"
    )
    for run in runs:
        name = "user_info direct" if run.label == "direct" else f"lark_whoami via /mcp, {run.label}"
        cpu = run.cpu_ms_per_call
        print(
            f"{name:<34}{run.concurrency:>5}{len(run.latencies):>7}{run.rate:>9.0f}"
            f"{run.percentile_ms(50):>9.2f}{run.percentile_ms(99):>9.2f}{'-' if cpu is None else f'{cpu:.2f}':>20}"
            f"{run.client_cpu_ms_per_call:>20.2f}"
        )
    print()
    print(
        f"{'added by the gateway (gateway - direct)':<50}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>9}"
        "   targets p50 ≤ 2, p99 ≤ 10"
    )
    by_key = {(run.label, run.concurrency): run for run in runs}
    eras = [run.label for run in runs if run.label != "direct" and run.concurrency == runs[0].concurrency]
    for concurrency, era in ((c, e) for c in sorted({run.concurrency for run in runs}) for e in eras):
        gateway, direct = by_key[(era, concurrency)], by_key[("direct", concurrency)]
        p50 = gateway.percentile_ms(50) - direct.percentile_ms(50)
        p99 = gateway.percentile_ms(99) - direct.percentile_ms(99)
        verdict = f"{_verdict(p50, TARGETS['p50'])} / {_verdict(p99, TARGETS['p99'])}"
        g_cpu, d_cpu = gateway.cpu_ms_per_call, direct.cpu_ms_per_call
        cpu = "-" if g_cpu is None or d_cpu is None else f"{g_cpu - d_cpu:.2f}"
        print(f"{f'  {era}, concurrency {concurrency}':<50}{p50:>9.2f}{p99:>9.2f}{cpu:>9}   {verdict}")
    if cold:
        listening = statistics.median(c[0] for c in cold)
        ready = statistics.median(c[1] for c in cold)
        each = ", ".join(f"{c[1]:.2f}" for c in cold)
        print()
        print(
            f"cold start to first tools/list: median {ready:.2f} s ({_verdict(ready, TARGETS['cold_start_s'])}, "
            f"target ≤ 1.5 s; listening after {listening:.2f} s) · runs: {each}"
        )
    if memory:
        rss, peak = memory.get("VmRSS", 0) / 1024, memory.get("VmHWM", 0) / 1024
        print(
            f"RSS after the load: {rss:.0f} MB ({_verdict(rss, TARGETS['rss_mb'])}, target ≤ 150 MB; "
            f"peak {peak:.0f} MB)"
        )


# ---------------------------------------------------------------------------------------------------------------
# Entry point


def _loopback(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or (parts.hostname or "") not in LOOPBACK:
        raise SystemExit("--url must be an http:// URL on loopback (127.0.0.1, localhost or ::1)")
    return f"{parts.scheme}://{parts.netloc}"


@contextlib.contextmanager
def scratch_dir(keep: bool) -> Iterator[Path]:
    """A temporary data dir, removed afterwards unless `keep`."""
    path = Path(tempfile.mkdtemp(prefix="larkgate-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"data dir and gateway log kept in {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


async def run(args: argparse.Namespace) -> None:
    """Run every measurement the arguments ask for and print the table."""
    calls = {1: args.calls_c1, 32: args.calls_c32}
    calls = {c: n for c, n in calls.items() if n > 0}
    if args.url:
        base_url = _loopback(args.url)
        runs, me, stats, _ = await measure_load(base_url, calls, args.warmup, args.pid, args.eras)
        memory = memory_kb(args.pid) if args.pid else None
        report(runs, me, stats, [], memory, f"running gateway at {base_url}")
        return
    with scratch_dir(args.keep) as data_dir:
        port = free_port()
        gateway = Gateway(data_dir, port, unthrottled=not args.throttled)
        gateway.spawn()
        try:
            await wait_listening(gateway)
            runs, me, stats, token = await measure_load(gateway.base_url, calls, args.warmup, gateway.pid, args.eras)
            assert gateway.pid is not None
            memory = memory_kb(gateway.pid)
        finally:
            gateway.stop()
        cold = [await cold_start(Gateway(data_dir, port, unthrottled=False), token) for _ in range(args.cold_runs)]
        where = "spawned `larkgate serve --sandbox`" + ("" if args.throttled else " (sandbox rate limiter off)")
        report(runs, me, stats, cold, memory, where)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", help="base URL of an already-running sandbox gateway on loopback")
    parser.add_argument("--pid", type=int, help="with --url: the gateway's process id, to report its RSS")
    parser.add_argument("--calls-c1", type=int, default=2000, help="calls per path at concurrency 1 (0 skips)")
    parser.add_argument("--calls-c32", type=int, default=4000, help="calls per path at concurrency 32 (0 skips)")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured calls per path first")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts to time (0 skips)")
    parser.add_argument("--throttled", action="store_true", help="keep the sandbox's 50 calls/s/token limiter on")
    parser.add_argument(
        "--eras",
        type=lambda text: [era.strip() for era in text.split(",") if era.strip()],
        default=[LEGACY, MODERN],
        help=f"protocol eras to call in, comma-separated (default {LEGACY},{MODERN})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp data dir and the gateway log")
    args = parser.parse_args(argv)
    unknown = [era for era in args.eras if era not in (LEGACY, MODERN)]
    if unknown or not args.eras:
        parser.error(f"--eras takes {LEGACY} and/or {MODERN}, not {','.join(unknown) or 'nothing'}")
    if not (args.calls_c1 or args.calls_c32):
        parser.error("nothing to measure: both --calls-c1 and --calls-c32 are 0")
    asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
