"""The shipped skills only point at things that exist, and only at things an agent without a shell can do.

Every `lark_…` tool a skill names must be registered in `ALL_TOOLS`; every API id (`<service>.v<N>.<resource>.<method>`)
must be in the catalog and accept the user identity (larkgate acts as the member); every `script="<skill>/<name>"`
must be a bundled script; every section a guide lists must exist. Skills must not show command lines (no shell
fences, no `$ `, `pip `, `curl ` … lines), and their front matter must say when to use them, in English and Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from larkgate.catalog.catalog import load_catalog
from larkgate.skills.frontmatter import parse_front_matter, split_front_matter
from larkgate.skills.loader import SKILLS_ROOT, load_skills
from larkgate.tools.inventory import ALL_TOOLS

MIN_SKILLS = 23
MAX_DESCRIPTION = 200
MIN_TRIGGERS = 3

TOOL = re.compile(r"\blark_[a-z_]+")
API_ID = re.compile(r"\b[a-z][a-z_]*\.v\d+(?:\.[a-z0-9_]+)+\b")
# A dotted token ending like a file name (`notes.v1.md`) is a file, not an API id.
FILE_SUFFIXES = frozenset({"md", "py", "json", "txt", "csv", "tsv", "yaml", "yml", "toml", "xlsx", "docx", "pdf"})
SCRIPT = re.compile(r"""\bscript\s*=\s*["']([^"']+)["']""")
SECTIONS_LINE = re.compile(r"^Sections:\s*(.+)$", re.MULTILINE)
CROSS_SECTION = re.compile(r"`([a-z][a-z0-9-]{1,40})`\s*(?:→|skill, section)\s*`([a-z][a-z0-9-]{1,40})`")
SKILL_MENTION = re.compile(
    r"`([a-z][a-z0-9-]{1,40})`\s+(?:skill|workflow)\b|\b(?:skill|workflow)\s+`([a-z][a-z0-9-]{1,40})`"
)
BACKTICKED = re.compile(r"`([a-z][a-z0-9-]{1,40})`")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([^\s`]*)")
SHELL_LANGUAGES = frozenset({"bash", "sh", "shell", "console", "zsh", "powershell", "ps1", "pwsh", "cmd", "bat"})
COMMAND_PREFIXES = ("$ ", "npx ", "pip ", "curl ", "lark-cli", "python ")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def skill_dirs() -> list[Path]:
    """Every shipped skill folder (one holding a SKILL.md)."""
    return sorted(path.parent for path in SKILLS_ROOT.glob("*/SKILL.md"))


def skill_files() -> list[Path]:
    """Every guide and reference section of every shipped skill."""
    files: list[Path] = []
    for folder in skill_dirs():
        files.append(folder / "SKILL.md")
        files.extend(sorted((folder / "references").glob("*.md")))
    return files


def rel(path: Path) -> str:
    """A file's name relative to the skills root, for test ids and messages."""
    return path.relative_to(SKILLS_ROOT).as_posix()


FILES = skill_files()
FILE_IDS = [rel(path) for path in FILES]
SKILL_DIRS = skill_dirs()


@cache
def tool_names() -> frozenset[str]:
    """Names of all registered tools."""
    return frozenset(spec.name for spec in ALL_TOOLS)


@cache
def catalog_identities() -> dict[str, tuple[str, ...]]:
    """API id → the identities it accepts, for every catalog API."""
    return {spec.id: spec.identities for spec in load_catalog()}


def text_of(path: Path) -> str:
    """The file's text, with Windows line ends normalized."""
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


def api_ids(text: str) -> Iterator[str]:
    """API-id-shaped tokens of `text`, file names left out."""
    for match in API_ID.finditer(text):
        token = match.group(0)
        if token.rsplit(".", 1)[-1] not in FILE_SUFFIXES:
            yield token


def command_lines(text: str) -> Iterator[str]:
    """Shell fences and command-looking lines of `text` (in prose and inside any code block)."""
    for number, line in enumerate(text.split("\n"), start=1):
        fence = FENCE.match(line)
        if fence and fence.group(2).lower() in SHELL_LANGUAGES:
            yield f"line {number}: a {fence.group(2)} code block"
        stripped = line.lstrip()
        for candidate in (stripped, re.sub(r"^(?:[-*+>]|\d+[.)])\s+", "", stripped)):
            if candidate.startswith(COMMAND_PREFIXES):
                yield f"line {number}: {candidate[:60]!r}"
                break


def front_matter(folder: Path) -> dict[str, str | list[str]]:
    """The parsed front matter of a skill's SKILL.md."""
    lines, _, _ = split_front_matter(text_of(folder / "SKILL.md"))
    return parse_front_matter(lines)


def test_enough_skills_ship() -> None:
    names = [folder.name for folder in SKILL_DIRS]
    assert len(names) >= MIN_SKILLS, f"only {len(names)} skills: {names}"
    assert set(load_skills().skills) == set(names)


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_tools_are_registered(path: Path) -> None:
    unknown = sorted(set(TOOL.findall(text_of(path))) - tool_names())
    assert not unknown, f"{rel(path)} names tools that are not registered: {', '.join(unknown)}"


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_api_ids_exist_and_accept_the_user(path: Path) -> None:
    known = catalog_identities()
    found = set(api_ids(text_of(path)))
    missing = sorted(api for api in found if api not in known)
    app_only = sorted(api for api in found if api in known and "user" not in known[api])
    assert not missing, f"{rel(path)} names API ids missing from the catalog: {', '.join(missing)}"
    assert not app_only, f"{rel(path)} recommends APIs larkgate cannot call as the member: {', '.join(app_only)}"


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_scripts_are_bundled(path: Path) -> None:
    bundled = set(load_skills().scripts)
    unknown = sorted(set(SCRIPT.findall(text_of(path))) - bundled)
    assert not unknown, f"{rel(path)} runs scripts that are not bundled: {', '.join(unknown)}; have {sorted(bundled)}"


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_no_command_lines(path: Path) -> None:
    found = list(command_lines(text_of(path)))
    assert not found, f"{rel(path)} shows commands an agent without a shell cannot run: {'; '.join(found)}"


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_skills_and_sections_referenced_exist(path: Path) -> None:
    skills = load_skills().skills
    text = text_of(path)
    problems: list[str] = []
    for first, second in SKILL_MENTION.findall(text):
        name = first or second
        if name not in skills:
            problems.append(f"skill `{name}`")
    for name, section in CROSS_SECTION.findall(text):
        if name in skills and section not in skills[name].sections:
            problems.append(f"section `{section}` of `{name}`")
    if path.name == "SKILL.md":
        own = skills[path.parent.name].sections
        for listed in SECTIONS_LINE.findall(text):
            problems.extend(f"own section `{name}`" for name in BACKTICKED.findall(listed) if name not in own)
    assert not problems, f"{rel(path)} points at things that do not exist: {', '.join(problems)}"


@pytest.mark.parametrize("folder", SKILL_DIRS, ids=[folder.name for folder in SKILL_DIRS])
def test_front_matter(folder: Path) -> None:
    fields = front_matter(folder)
    assert set(fields) == {"name", "description", "triggers"}
    assert fields["name"] == folder.name
    description = fields["description"]
    assert isinstance(description, str)
    assert "\n" not in description
    assert 0 < len(description) <= MAX_DESCRIPTION, f"{folder.name}: description has {len(description)} characters"
    triggers = fields["triggers"]
    assert isinstance(triggers, list)
    assert len(triggers) >= MIN_TRIGGERS, f"{folder.name}: only {len(triggers)} triggers"
    assert len(set(triggers)) == len(triggers), f"{folder.name}: duplicate triggers"
    assert any(CJK.search(trigger) for trigger in triggers), f"{folder.name}: no Chinese trigger word"


@pytest.mark.parametrize("folder", SKILL_DIRS, ids=[folder.name for folder in SKILL_DIRS])
def test_guide_lists_every_section(folder: Path) -> None:
    sections = set(load_skills().skills[folder.name].sections)
    listed = {name for line in SECTIONS_LINE.findall(text_of(folder / "SKILL.md")) for name in BACKTICKED.findall(line)}
    assert sections <= listed, f"{folder.name}: sections not named in the guide: {sorted(sections - listed)}"


def test_checks_catch_what_they_should() -> None:
    # The scanners themselves: a wrong regex would let every skill pass.
    assert set(api_ids("call im.v1.message.create, then task.v2.task_v2.list_related_task.")) == {
        "im.v1.message.create",
        "task.v2.task_v2.list_related_task",
    }
    assert list(api_ids("see notes.v1.md and data.v2.json")) == []
    assert TOOL.findall("use lark_calendar_freebusy then lark_task_create") == [
        "lark_calendar_freebusy",
        "lark_task_create",
    ]
    assert len(list(command_lines("```bash\nls\n```\n$ make\n- pip install x\nplain text"))) == 3
    assert list(command_lines("```json\n{}\n```\nPython is fine in prose")) == []
    assert SCRIPT.findall('lark_exec_script(script="docs/word_stats", stdin=x)') == ["docs/word_stats"]
