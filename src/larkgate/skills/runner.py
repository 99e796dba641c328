"""Runs one bundled script in a contained child process and reports what it printed.

Containment, in order of what it stops:
- only scripts in the allowlist frozen at load (`SkillSet.scripts`) run, and the child runs the *frozen source*,
  copied into a fresh temp dir: a file changed, added or symlinked under `scripts/` after start changes nothing;
- names match a strict pattern and are looked up, never joined into a path; argv is a list of checked strings (no
  shell); stdin is at most 1 MB;
- in the child (`larkgate.skills.child`): `python -I -X utf8`, an environment of five fixed variables (no secret
  reaches it), CPU seconds, address space, file size, open files and no core files; RLIMIT_NPROC 0 so it cannot fork
  (the kernel exempts root from NPROC: run the gateway as a normal user); its own session, SIGKILLed as a whole when
  the script ends, overruns the wall clock, passes the output cap, or the call is cancelled;
- a concurrency limit per event loop (the server has one), with a bounded wait for a slot.

Not isolated: the filesystem and the network. The allowlist is the trust boundary (scripts are reviewed code shipped
with larkgate); arguments and stdin are the untrusted part, and the limits bound what they can make a script do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import signal
import stat
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from larkgate.errors import InputError, LarkgateError, NotFoundError
from larkgate.skills.child import Limits, Outcome, remove_tree, run_contained
from larkgate.skills.loader import Script, load_skill_set, load_skills

__all__ = ["Limits", "ScriptResult", "ScriptRunner", "check_args", "check_stdin", "default_runner"]

SCRIPT_NAME = re.compile(r"^(?:[a-z][a-z0-9-]{1,40}/)?[a-z][a-z0-9_]{1,40}$")
MAX_ARGS = 32
MAX_ARG_BYTES = 4096
MAX_STDIN_BYTES = 1_048_576


@dataclass
class ScriptResult:
    """What a run produced. `note` explains a run that was stopped or killed; `json` is stdout parsed, if it is JSON."""

    exit_code: int
    stdout: str
    stderr: str
    truncated: bool
    timed_out: bool
    duration_ms: int
    json: Any = None
    note: str | None = None


class ScriptRunner:
    """Runs allowlisted scripts under `limits`; `scripts` is frozen at construction."""

    def __init__(self, scripts: Mapping[str, Script], limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._scripts = dict(scripts)
        bare: dict[str, list[str]] = {}
        for name in self._scripts:
            bare.setdefault(name.split("/", 1)[1], []).append(name)
        # A bare script name is accepted when exactly one skill ships a script of that name.
        self._aliases = {short: names[0] for short, names in bare.items() if len(names) == 1}
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    @classmethod
    def from_root(cls, root: Path, limits: Limits | None = None) -> ScriptRunner:
        """A runner over the scripts under `root` (tests; the product uses `default_runner`)."""
        return cls(load_skill_set(root).scripts, limits)

    @property
    def names(self) -> list[str]:
        """Qualified names of the runnable scripts."""
        return sorted(self._scripts)

    def resolve(self, name: str) -> Script:
        """The allowlisted script called `name` (`skill/script`, or a unique bare `script`)."""
        if not isinstance(name, str) or not SCRIPT_NAME.match(name):
            raise InputError(
                f"invalid script name {str(name)[:80]!r}: use '<skill>/<script>' from lark_get_skill, "
                f"e.g. {self.names[0] if self.names else 'docs/word_stats'}"
            )
        script = self._scripts.get(self._aliases.get(name, name))
        if script is None:
            raise NotFoundError(f"no bundled script {name!r}; available: {', '.join(self.names) or '(none)'}")
        return script

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the concurrency slots, waiting at most `queue_seconds` for it."""
        loop = asyncio.get_running_loop()
        semaphore = self._slots.setdefault(loop, asyncio.Semaphore(self.limits.concurrency))
        try:
            async with asyncio.timeout(self.limits.queue_seconds):
                await semaphore.acquire()
        except TimeoutError:
            raise LarkgateError(
                f"all {self.limits.concurrency} script slots are busy; retry in a few seconds"
            ) from None
        try:
            yield
        finally:
            semaphore.release()

    async def run(self, name: str, args: Sequence[str] = (), stdin: str | None = None) -> ScriptResult:
        """Run one script with `args` and `stdin`; refusals raise, everything the script does is in the result."""
        script = self.resolve(name)
        argv = check_args(args)
        data = check_stdin(stdin)
        async with self.slot():
            return await self._execute(script, argv, data)

    async def _execute(self, script: Script, argv: list[str], data: bytes) -> ScriptResult:
        started = time.monotonic()
        home = Path(tempfile.mkdtemp(prefix="larkgate-script-"))
        try:
            work = home / "work"
            work.mkdir()
            target = home / f"{script.name.split('/')[1]}.py"
            target.write_bytes(script.source)
            target.chmod(stat.S_IRUSR)
            try:
                outcome = await run_contained(target, argv, data, work, self.limits)
            except OSError as exc:
                raise LarkgateError(f"could not start {script.name}: {exc.strerror or exc}") from None
            return self._result(outcome, started)
        finally:
            remove_tree(home)

    def _result(self, outcome: Outcome, started: float) -> ScriptResult:
        exit_code = -signal.SIGKILL if outcome.returncode is None else outcome.returncode
        stdout = outcome.out.decode("utf-8", errors="replace")
        result = ScriptResult(
            exit_code=exit_code,
            stdout=stdout,
            stderr=outcome.err.decode("utf-8", errors="replace"),
            truncated=outcome.truncated,
            timed_out=outcome.timed_out,
            duration_ms=round((time.monotonic() - started) * 1000),
            note=self._note(exit_code, outcome),
        )
        if not outcome.truncated and stdout.strip():
            with contextlib.suppress(ValueError, RecursionError):
                result.json = json.loads(stdout)
        return result

    def _note(self, exit_code: int, outcome: Outcome) -> str | None:
        limits = self.limits
        if outcome.timed_out:
            return f"stopped: the script ran past the {limits.wall_seconds:g} s wall-clock limit"
        if outcome.truncated:
            return f"stopped: output passed the {limits.output_bytes} byte limit and was cut there"
        if exit_code == -signal.SIGXCPU:
            return f"stopped: the script used its {limits.cpu_seconds} s of CPU time"
        if exit_code < 0:
            return f"the script was killed by {_signal_name(-exit_code)}"
        if outcome.orphaned:
            return "a process the script started left its session and held the output open; the output was closed"
        return None


def check_args(args: Sequence[Any]) -> list[str]:
    """The argument list, or InputError: at most 32 strings of at most 4 KB, no NUL characters."""
    if isinstance(args, str | bytes) or not isinstance(args, Sequence):
        raise InputError("args must be a list of strings")
    if len(args) > MAX_ARGS:
        raise InputError(f"at most {MAX_ARGS} args, got {len(args)}")
    for index, arg in enumerate(args):
        if not isinstance(arg, str):
            raise InputError(f"args[{index}] must be a string, got {type(arg).__name__}")
        if len(arg.encode("utf-8", errors="surrogatepass")) > MAX_ARG_BYTES:
            raise InputError(f"args[{index}] is longer than {MAX_ARG_BYTES} bytes")
        if "\x00" in arg:
            raise InputError(f"args[{index}] contains a NUL character")
    return list(args)


def check_stdin(stdin: str | None) -> bytes:
    """Stdin as bytes, or InputError past 1 MB."""
    if stdin is None:
        return b""
    if not isinstance(stdin, str):
        raise InputError("stdin must be a string")
    data = stdin.encode("utf-8", errors="replace")
    if len(data) > MAX_STDIN_BYTES:
        raise InputError(f"stdin is {len(data)} bytes; the limit is {MAX_STDIN_BYTES} (1 MB)")
    return data


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@functools.cache
def default_runner() -> ScriptRunner:
    """The process-wide runner over the packaged scripts (allowlist frozen by `load_skills` at start)."""
    return ScriptRunner(load_skills().scripts)
