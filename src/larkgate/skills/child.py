"""One contained child process: limits set by a fixed bootstrap, its own session, capped output, killed as a group.

The bootstrap runs first in the child (`python -I -c <bootstrap> <limits> <script> <args>`), sets the resource limits,
then execs the script with `python -I -X utf8`. Doing it in the child avoids `preexec_fn`, which is unsafe in a
threaded server. The whole session is SIGKILLed when the script ends (stragglers it left), overruns the wall clock,
passes the output cap, or the call is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

REAP_SECONDS = 2.0  # after the script ends or is killed: how long its pipes may take to close

_BOOTSTRAP = """
import os, resource, sys
def limit(res, soft, hard):
    _, current = resource.getrlimit(res)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(res, (soft, hard))
cpu, memory, fsize, nofile = (int(value) for value in sys.argv[1:5])
limit(resource.RLIMIT_CPU, cpu, cpu + 1)
limit(resource.RLIMIT_AS, memory, memory)
limit(resource.RLIMIT_FSIZE, fsize, fsize)
limit(resource.RLIMIT_NOFILE, nofile, nofile)
limit(resource.RLIMIT_CORE, 0, 0)
limit(resource.RLIMIT_NPROC, 0, 0)
os.execv(sys.executable, [sys.executable, "-I", "-X", "utf8", *sys.argv[5:]])
"""


@dataclass(frozen=True)
class Limits:
    """What one script run may use; the defaults are the product's, tests pass smaller ones."""

    cpu_seconds: int = 10
    wall_seconds: float = 30.0
    memory_bytes: int = 512 * 1024 * 1024
    file_bytes: int = 10 * 1024 * 1024
    open_files: int = 64
    output_bytes: int = 10 * 1024 * 1024
    concurrency: int = 4
    queue_seconds: float = 10.0


@dataclass
class Outcome:
    """How the child ended and what it printed (at most `output_bytes`, stdout and stderr together)."""

    returncode: int | None = None
    out: bytearray = field(default_factory=bytearray)
    err: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    timed_out: bool = False
    orphaned: bool = False  # a process that left the session still held the output open when we closed it


class _Collector(asyncio.SubprocessProtocol):
    """Keeps output within the cap (killing the session past it) and signals exit and the end of all I/O."""

    def __init__(self, outcome: Outcome, cap: int) -> None:
        self.outcome = outcome
        self.cap = cap
        self.pid = 0
        self.exited = asyncio.Event()
        self.finished = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's subprocess transport has the same API without subclassing asyncio's.
        self.pid = cast(asyncio.SubprocessTransport, transport).get_pid()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        outcome = self.outcome
        room = self.cap - len(outcome.out) - len(outcome.err)
        (outcome.out if fd == 1 else outcome.err).extend(data[: max(room, 0)])
        if len(data) > room and not outcome.truncated:
            outcome.truncated = True
            kill_group(self.pid)

    def process_exited(self) -> None:
        self.exited.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self.finished.set()


async def run_contained(script: Path, argv: list[str], data: bytes, work: Path, limits: Limits) -> Outcome:
    """Run `script` with `argv` and `data` on stdin in `work`, within `limits`; leaves no process of its session."""
    outcome = Outcome()
    numbers = [limits.cpu_seconds, limits.memory_bytes, limits.file_bytes, limits.open_files]
    command = [sys.executable, "-I", "-c", _BOOTSTRAP, *map(str, numbers), str(script), *argv]
    transport, collector = await asyncio.get_running_loop().subprocess_exec(
        lambda: _Collector(outcome, limits.output_bytes),
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=work,
        env=child_env(work),
        start_new_session=True,
    )
    try:
        _feed(transport, data)
        async with asyncio.timeout(limits.wall_seconds):
            await collector.exited.wait()
    except TimeoutError:
        outcome.timed_out = True
    finally:
        # Stragglers the script left in its session go with it, so their copies of the pipes close too.
        kill_group(collector.pid)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(REAP_SECONDS):
                await collector.finished.wait()
        outcome.orphaned = not collector.finished.is_set()
        transport.close()
        outcome.returncode = transport.get_returncode()
    return outcome


def _feed(transport: asyncio.SubprocessTransport, data: bytes) -> None:
    # Buffered by the pipe transport (at most 1 MB); a script that exits without reading it just breaks the pipe.
    # Typed by cast, not checked: uvloop's pipe transports do not subclass asyncio's.
    pipe = cast(asyncio.WriteTransport, transport.get_pipe_transport(0))
    if data:
        pipe.write(data)
    pipe.close()


def child_env(work: Path) -> dict[str, str]:
    """The child's whole environment: nothing inherited from the gateway, so no secret can leak through it."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "HOME": str(work),
        "TMPDIR": str(work),
    }


def kill_group(pid: int) -> None:
    """SIGKILL every process in the session led by `pid` (already gone is fine)."""
    if pid > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


def remove_tree(path: Path) -> None:
    """Remove a run's temp dir, even one whose script took the permissions away from its own folders."""
    shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        for parent, dirs, _ in os.walk(path):
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(parent, name), stat.S_IRWXU)
        shutil.rmtree(path, ignore_errors=True)
