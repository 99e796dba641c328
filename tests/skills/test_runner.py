"""The script runner under attack: every escape is refused before a process starts, or contained while it runs.

Hostile scripts are written into a temp skills root per test (never into the product's skills folder).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from larkgate.errors import InputError, LarkgateError, NotFoundError
from larkgate.skills import child as child_module
from larkgate.skills import runner as runner_module
from larkgate.skills.child import Outcome, remove_tree
from larkgate.skills.runner import Limits, ScriptRunner, check_args, default_runner

FIXTURES = Path(__file__).with_name("fixtures") / "skills"
FAST = Limits(cpu_seconds=5, wall_seconds=10, output_bytes=1_000_000, concurrency=2, queue_seconds=0.05)

HOSTILE = {
    "env": """
        import json, os, sys
        print(json.dumps({"env": dict(os.environ), "cwd": os.getcwd(), "isolated": sys.flags.isolated,
                          "path0": sys.path[0]}))
    """,
    "forks": """
        import json, os, time
        pids, refused = [], None
        for _ in range(20):
            try:
                pid = os.fork()
            except OSError as exc:
                refused = str(exc)
                break
            if pid == 0:
                time.sleep(60)
                os._exit(0)
            pids.append(pid)
        print(json.dumps({"pids": pids, "refused": refused}), flush=True)
    """,
    "bomb": """
        import os
        while True:
            os.fork()
    """,
    "escape": """
        import json, os, time
        try:
            pid = os.fork()
        except OSError as exc:
            print(json.dumps({"refused": str(exc)}))
            raise SystemExit(0)
        if pid == 0:
            os.setsid()  # leaves the session the runner kills, keeping a copy of stdout
            time.sleep(60)
            os._exit(0)
        print(json.dumps({"pid": pid}), flush=True)
    """,
    "flood": """
        import sys
        while True:
            sys.stdout.write("x" * 65536)
    """,
    "flood_err": """
        import sys
        sys.stdout.write("ok\\n")
        sys.stdout.flush()
        while True:
            sys.stderr.write("e" * 65536)
    """,
    "hog": """
        block = bytearray(2 * 1024 * 1024 * 1024)
    """,
    "spin": """
        while True:
            pass
    """,
    "nap": """
        import time
        time.sleep(60)
    """,
    "big_file": """
        with open("big.bin", "wb") as f:
            f.write(b"x" * (2 * 1024 * 1024))
    """,
    "count": """
        import json, sys
        print(json.dumps({"bytes": len(sys.stdin.buffer.read()), "args": sys.argv[1:]}))
    """,
    "deaf": """
        print("done without reading stdin")
    """,
    "term": """
        import os, signal
        os.kill(os.getpid(), signal.SIGTERM)
    """,
    "deep": """
        print("[" * 100000 + "]" * 100000)
    """,
    "plain": """
        print("not json")
    """,
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A skills root holding the hostile scripts under `bad/scripts/`."""
    scripts = tmp_path / "skills" / "bad" / "scripts"
    scripts.mkdir(parents=True)
    for name, source in HOSTILE.items():
        (scripts / f"{name}.py").write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return tmp_path / "skills"


def runner_for(root: Path, **limits: Any) -> ScriptRunner:
    return ScriptRunner.from_root(root, dataclasses.replace(FAST, **limits))


def gone(pid: int) -> bool:
    """True when `pid` is gone or a zombie waiting to be reaped (it runs nothing either way)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


async def dead(*pids: int) -> bool:
    """True once every pid is gone (within 2 s)."""
    # A SIGKILLed process closes its files a moment before it turns zombie: let the kernel finish exits it began.
    deadline = asyncio.get_running_loop().time() + 2
    while not all(gone(pid) for pid in pids):
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_runs_the_frozen_script_with_args_and_stdin() -> None:
    runner = ScriptRunner.from_root(FIXTURES, FAST)
    result = await runner.run("alpha/echo_args", ["--flag", "值"], "标准输入")
    assert result.exit_code == 0
    assert result.json == {"args": ["--flag", "值"], "stdin": "标准输入"}
    assert not result.truncated
    assert not result.timed_out
    assert result.note is None
    assert result.stderr == ""
    assert 0 < result.duration_ms < 10_000
    # A unique bare name is an alias of the qualified one.
    assert (await runner.run("shout", stdin="hi")).stdout == "HI"
    assert runner.names == ["alpha/echo_args", "tools-only/shout"]


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "/etc/passwd",
        "docs/../../x",
        "alpha/echo_args.py",
        "alpha\\echo_args",
        "alpha/echo_args\x00",
        "",
        "ALPHA/echo_args",
        "a/b/c",
        " alpha/echo_args",
        "alpha/",
        "./alpha/echo_args",
        "alpha//echo_args",
    ],
)
async def test_names_outside_the_pattern_are_refused(name: str) -> None:
    runner = ScriptRunner.from_root(FIXTURES, FAST)
    with pytest.raises(InputError, match="invalid script name"):
        await runner.run(name)


async def test_unknown_and_ambiguous_names_list_what_exists(tmp_path: Path) -> None:
    for skill in ("one", "two"):
        scripts = tmp_path / skill / "scripts"
        scripts.mkdir(parents=True)
        (scripts / "same.py").write_text("print(1)\n", encoding="utf-8")
    runner = ScriptRunner.from_root(tmp_path, FAST)
    with pytest.raises(NotFoundError, match=r"no bundled script 'same'; available: one/same, two/same"):
        runner.resolve("same")
    assert runner.resolve("two/same").name == "two/same"
    with pytest.raises(NotFoundError, match=r"available: \(none\)"):
        ScriptRunner({}).resolve("docs/word_stats")
    with pytest.raises(InputError, match=r"e\.g\. docs/word_stats"):
        ScriptRunner({}).resolve("../x")


async def test_scripts_added_or_changed_after_start_do_not_run(root: Path, tmp_path: Path) -> None:
    runner = runner_for(root)
    scripts = root / "bad" / "scripts"
    (scripts / "late.py").write_text("print('late')\n", encoding="utf-8")
    evil = tmp_path / "evil.py"
    evil.write_text("print('evil')\n", encoding="utf-8")
    os.symlink(evil, scripts / "planted.py")
    with pytest.raises(NotFoundError, match="no bundled script 'bad/late'"):
        await runner.run("bad/late")
    with pytest.raises(NotFoundError, match="no bundled script 'bad/planted'"):
        await runner.run("bad/planted")
    # An allowlisted file replaced by a symlink (or rewritten) still runs the source frozen at start.
    (scripts / "plain.py").unlink()
    os.symlink(evil, scripts / "plain.py")
    assert (await runner.run("bad/plain")).stdout == "not json\n"


async def test_the_child_sees_no_secrets_and_a_fresh_dir(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LARKGATE_MASTER_KEY", "fake-master-key-for-tests")
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    result = await runner_for(root).run("bad/env")
    env = result.json["env"]
    assert set(env) == {"PATH", "LANG", "PYTHONIOENCODING", "HOME", "TMPDIR"}
    assert "fake-master-key-for-tests" not in result.stdout
    assert result.json["isolated"] == 1
    work = Path(result.json["cwd"])
    assert env["HOME"] == str(work)
    assert work.name == "work"
    assert not work.exists(), "the run's temp dir is removed afterwards"
    assert result.json["path0"] != str(work.parent), "isolated mode keeps the script's dir off sys.path"


async def test_forks_are_refused_or_killed_with_the_group(root: Path) -> None:
    result = await runner_for(root).run("bad/forks")
    out = result.json
    if os.geteuid() != 0:
        # RLIMIT_NPROC 0: a normal user cannot fork at all.
        assert out["pids"] == []
        assert "Resource temporarily unavailable" in out["refused"]
    # As root the kernel ignores NPROC; the children are killed with the process group when the script ends.
    assert await dead(*out["pids"])
    assert not result.timed_out


@pytest.mark.skipif(os.geteuid() == 0, reason="root is exempt from RLIMIT_NPROC; a real fork bomb is not run as root")
async def test_a_fork_bomb_cannot_fork(root: Path) -> None:
    result = await runner_for(root).run("bad/bomb")
    assert result.exit_code == 1
    assert "BlockingIOError" in result.stderr


async def test_a_session_escapee_cannot_hold_the_run_open(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(child_module, "REAP_SECONDS", 0.3)
    result = await runner_for(root).run("bad/escape")
    if "refused" in result.json:
        return  # a normal user cannot fork in the first place
    # Root can fork and leave the session: the run still ends soon after the script, with the output closed.
    try:
        assert result.exit_code == 0
        assert not result.timed_out
        assert result.note is not None
        assert "left its session" in result.note
        assert result.duration_ms < 5000
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(result.json["pid"], signal.SIGKILL)  # the documented residual: it outlived the session kill


async def test_output_floods_are_cut_and_stopped(root: Path) -> None:
    runner = runner_for(root, output_bytes=200_000)
    flood = await runner.run("bad/flood")
    assert flood.truncated
    assert flood.exit_code == -signal.SIGKILL
    assert len(flood.stdout) == 200_000
    assert flood.json is None
    assert flood.note == "stopped: output passed the 200000 byte limit and was cut there"
    errors = await runner.run("bad/flood_err")
    assert errors.truncated
    assert errors.stdout == "ok\n"
    assert len(errors.stderr) == 200_000 - 3


async def test_memory_hogs_fail_inside_their_limit(root: Path) -> None:
    result = await runner_for(root, memory_bytes=256 * 1024 * 1024).run("bad/hog")
    assert result.exit_code == 1
    assert "MemoryError" in result.stderr


async def test_cpu_spinners_are_stopped_at_the_cpu_limit(root: Path) -> None:
    result = await runner_for(root, cpu_seconds=1, wall_seconds=12).run("bad/spin")
    assert result.exit_code == -signal.SIGXCPU
    assert not result.timed_out
    assert result.note == "stopped: the script used its 1 s of CPU time"


async def test_long_runs_are_stopped_at_the_wall_clock(root: Path) -> None:
    result = await runner_for(root, wall_seconds=1).run("bad/nap")
    assert result.timed_out
    assert result.exit_code == -signal.SIGKILL
    assert result.note == "stopped: the script ran past the 1 s wall-clock limit"
    assert result.duration_ms < 5000


async def test_files_are_capped(root: Path) -> None:
    result = await runner_for(root, file_bytes=1024 * 1024).run("bad/big_file")
    assert result.exit_code == 1
    assert "File too large" in result.stderr


async def test_stdin_and_args_are_checked_before_anything_runs(root: Path) -> None:
    runner = runner_for(root)
    with pytest.raises(InputError, match="1 MB"):
        await runner.run("bad/count", stdin="x" * (1_048_576 + 1))
    with pytest.raises(InputError, match="1 MB"):
        await runner.run("bad/count", stdin="字" * 400_000)  # characters are few, bytes are many
    full = await runner.run("bad/count", ["a"] * 32, "y" * 1_048_576)
    assert full.json == {"bytes": 1_048_576, "args": ["a"] * 32}
    deaf = await runner.run("bad/deaf", stdin="z" * 1_048_576)
    assert deaf.exit_code == 0
    assert deaf.stdout == "done without reading stdin\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a"] * 33, "at most 32 args"),
        (["x" * 4097], r"args\[0\] is longer than 4096 bytes"),
        (["ok", "é" * 2049], r"args\[1\] is longer than 4096 bytes"),
        (["ok", 3], r"args\[1\] must be a string, got int"),
        (["a\x00b"], "NUL"),
        ("--flag", "must be a list of strings"),
        ({"a": 1}, "must be a list of strings"),
    ],
)
def test_bad_args_are_refused(args: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_args(args)


async def test_stdin_must_be_text(root: Path) -> None:
    with pytest.raises(InputError, match="stdin must be a string"):
        await runner_for(root).run("bad/count", stdin=b"bytes")  # type: ignore[arg-type]


async def test_busy_slots_refuse_after_a_bounded_wait(root: Path) -> None:
    runner = runner_for(root, concurrency=1, queue_seconds=0.05)
    async with runner.slot():
        with pytest.raises(LarkgateError, match="all 1 script slots are busy"):
            await runner.run("bad/plain")
    assert (await runner.run("bad/plain")).exit_code == 0


async def test_a_cancelled_call_leaves_no_process_or_dir(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop = asyncio.get_running_loop()
    started: asyncio.Queue[asyncio.SubprocessTransport] = asyncio.Queue()
    spawn: Callable[..., Any] = loop.subprocess_exec
    dirs: list[str] = []

    async def spy(*args: Any, **kwargs: Any) -> Any:
        transport, protocol = await spawn(*args, **kwargs)
        dirs.append(str(kwargs["cwd"]))
        await started.put(transport)
        return transport, protocol

    monkeypatch.setattr(loop, "subprocess_exec", spy)
    task = asyncio.create_task(runner_for(root).run("bad/nap"))
    transport = await started.get()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert transport.is_closing()
    assert await dead(transport.get_pid())
    assert not Path(dirs[0]).exists()


async def test_start_failures_and_odd_endings_are_explained(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = runner_for(root)
    term = await runner.run("bad/term")
    assert term.exit_code == -signal.SIGTERM
    assert term.note == "the script was killed by SIGTERM"
    deep = await runner.run("bad/deep")
    assert deep.exit_code == 0
    assert deep.json is None
    assert runner_module._signal_name(200) == "signal 200"

    async def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(asyncio.get_running_loop(), "subprocess_exec", refuse)
    with pytest.raises(LarkgateError, match="could not start bad/plain: Resource temporarily unavailable"):
        await runner.run("bad/plain")


def test_temp_dirs_are_removed_even_without_permissions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "run" / "work" / "locked"
    locked.mkdir(parents=True)
    (locked / "file").write_text("x", encoding="utf-8")
    locked.chmod(0)
    real = child_module.shutil.rmtree
    calls: list[str] = []

    def first_fails(path: Any, ignore_errors: bool = False) -> None:
        calls.append(str(path))
        if len(calls) > 1:
            real(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(child_module.shutil, "rmtree", first_fails)
    remove_tree(tmp_path / "run")
    assert len(calls) == 2
    assert not (tmp_path / "run").exists()


def test_kill_group_ignores_missing_and_unset_pids() -> None:
    child_module.kill_group(0)  # a child that never started has no group
    child_module.kill_group(2**22 + 1)  # above pid_max: no such group


def test_the_product_runner_holds_the_bundled_scripts() -> None:
    runner = default_runner()
    assert default_runner() is runner
    assert {"docs/word_stats", "docs/markdown_lint", "sheets/reshape_table"} <= set(runner.names)
    assert runner.limits == Limits()
    assert runner.resolve("word_stats").name == "docs/word_stats"


def test_a_process_that_never_reported_an_exit_reads_as_killed() -> None:
    result = ScriptRunner({})._result(Outcome(timed_out=True), 0.0)
    assert result.exit_code == -signal.SIGKILL
    assert result.timed_out
