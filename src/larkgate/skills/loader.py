"""Loads every skill once at start: guides, reference sections and the frozen allowlist of bundled scripts.

Layout (the contract with skill authors):

    skills/<name>/SKILL.md               front matter (name, description, triggers) + the main guide
    skills/<name>/references/<sec>.md    optional sections, read with lark_get_skill(name, section)
    skills/<name>/scripts/<script>.py    optional scripts, run with lark_exec_script("<name>/<script>")

Anything else in a skill folder, a symlink anywhere, a bad name or bad front matter stops startup with a
`ConfigError` naming the file. A folder with only `scripts/` (no SKILL.md) contributes scripts but no guide.
Lookups at call time go through these dicts; a caller's string is never joined into a path.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from larkgate.errors import ConfigError, NotFoundError
from larkgate.skills.frontmatter import parse_front_matter, split_front_matter

SKILLS_ROOT = Path(__file__).resolve().parent
NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
SCRIPT_FILE = re.compile(r"^([a-z][a-z0-9_]{1,40})\.py$")
SECTION_FILE = re.compile(r"^([a-z][a-z0-9-]{1,40})\.md$")
MAX_TEXT_BYTES = 512_000  # a guide or section larger than this is a mistake, not a skill
MAX_SCRIPT_BYTES = 256_000
MAX_DESCRIPTION = 300
_FIELDS = ("name", "description", "triggers")
_SKILL_ENTRIES = {"SKILL.md", "references", "scripts"}
_IGNORED_DIRS = {"__pycache__"}


@dataclass(frozen=True)
class Skill:
    """One skill: its guide, its reference sections by name and the qualified names of its scripts."""

    name: str
    description: str
    triggers: tuple[str, ...]
    body: str
    sections: Mapping[str, str]
    scripts: tuple[str, ...]

    def guide(self) -> str:
        """The main guide followed by an index of its sections and scripts (what a prompt or resource shows)."""
        parts = [self.body.rstrip()]
        if self.sections:
            names = ", ".join(self.sections)
            parts.append(f"Reference sections (lark_get_skill with section, or skill://{self.name}/<section>): {names}")
        if self.scripts:
            parts.append(f"Scripts (lark_exec_script): {', '.join(self.scripts)}")
        return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class Script:
    """A bundled script, frozen at load: its qualified name, where it was found and the exact source to run."""

    name: str
    path: Path
    source: bytes


@dataclass(frozen=True)
class SkillSet:
    """All skills by name (sorted) and all bundled scripts by qualified name `<skill>/<script>`."""

    skills: Mapping[str, Skill]
    scripts: Mapping[str, Script]

    def find(self, name: str) -> Skill:
        """The skill called `name`; NotFoundError listing the skills otherwise."""
        skill = self.skills.get(name)
        if skill is None:
            raise NotFoundError(f"no skill named {name[:60]!r}; available: {', '.join(self.skills) or '(none)'}")
        return skill

    def section(self, name: str, section: str) -> str:
        """The text of one reference section; NotFoundError listing the skill's sections otherwise."""
        skill = self.find(name)
        text = skill.sections.get(section)
        if text is None:
            known = ", ".join(skill.sections) or "(none)"
            raise NotFoundError(f"skill {name!r} has no section {section[:60]!r}; sections: {known}")
        return text


@functools.cache
def load_skills() -> SkillSet:
    """The packaged skills, loaded once per process (the first call is at server start, so errors stop startup)."""
    return load_skill_set(SKILLS_ROOT)


def load_skill_set(root: Path) -> SkillSet:
    """Every skill and script under `root` (tests pass their own root; the product uses SKILLS_ROOT)."""
    skills: dict[str, Skill] = {}
    scripts: dict[str, Script] = {}
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(("_", ".")) or (folder.is_file() and not folder.is_symlink()):
            continue
        _refuse_symlink(folder, root)
        if not NAME.match(folder.name):
            raise ConfigError(f"skill folder {_where(folder, root)}: the name must match {NAME.pattern}")
        found = _load_scripts(folder, root)
        scripts.update({script.name: script for script in found})
        if (folder / "SKILL.md").exists() or (folder / "references").exists():
            skills[folder.name] = _load_skill(folder, root, tuple(script.name for script in found))
    return SkillSet(skills=skills, scripts=scripts)


def _load_skill(folder: Path, root: Path, scripts: tuple[str, ...]) -> Skill:
    for entry in folder.iterdir():
        _refuse_symlink(entry, root)
        if entry.name not in _SKILL_ENTRIES:
            raise ConfigError(
                f"{_where(entry, root)}: unexpected; a skill holds only {', '.join(sorted(_SKILL_ENTRIES))}"
            )
    path = folder / "SKILL.md"
    if not path.is_file():
        raise ConfigError(f"{_where(folder, root)}: has references/ but no SKILL.md")
    try:
        front, body, _ = split_front_matter(_read_text(path, root))
        fields = parse_front_matter(front)
    except ValueError as exc:
        raise ConfigError(f"{_where(path, root)}: {exc}") from None
    name, description, triggers = _check_fields(fields, folder.name, _where(path, root))
    if not body.strip():
        raise ConfigError(f"{_where(path, root)}: the guide after the front matter is empty")
    return Skill(name, description, triggers, body.strip("\n") + "\n", _load_sections(folder, root), scripts)


def _check_fields(fields: Mapping[str, str | list[str]], folder: str, where: str) -> tuple[str, str, tuple[str, ...]]:
    unknown = sorted(set(fields) - set(_FIELDS))
    missing = [key for key in _FIELDS if key not in fields]
    if unknown or missing:
        problem = f"unknown key(s) {', '.join(unknown)}" if unknown else f"missing key(s) {', '.join(missing)}"
        raise ConfigError(f"{where}: {problem}; the front matter holds exactly {', '.join(_FIELDS)}")
    name, description, triggers = fields["name"], fields["description"], fields["triggers"]
    if not isinstance(name, str) or name != folder:
        raise ConfigError(f"{where}: name must equal the folder name {folder!r}")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise ConfigError(f"{where}: description must be one line of at most {MAX_DESCRIPTION} characters")
    if not isinstance(triggers, list) or not triggers:
        raise ConfigError(f"{where}: triggers must be a non-empty list, e.g. [meeting, 会议]")
    return name, description, tuple(triggers)


def _load_sections(folder: Path, root: Path) -> dict[str, str]:
    directory = folder / "references"
    if not directory.exists():
        return {}
    sections: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        _refuse_symlink(path, root)
        match = SECTION_FILE.match(path.name)
        if match is None or not path.is_file():
            raise ConfigError(
                f"{_where(path, root)}: a reference section must be a file named like {SECTION_FILE.pattern}"
            )
        text = _read_text(path, root)
        if not text.strip():
            raise ConfigError(f"{_where(path, root)}: the section is empty")
        sections[match.group(1)] = text
    return sections


def _load_scripts(folder: Path, root: Path) -> list[Script]:
    directory = folder / "scripts"
    if not directory.exists():
        return []
    _refuse_symlink(directory, root)
    scripts: list[Script] = []
    for path in sorted(directory.iterdir()):
        if path.name in _IGNORED_DIRS and path.is_dir() and not path.is_symlink():
            continue
        _refuse_symlink(path, root)
        match = SCRIPT_FILE.match(path.name)
        if match is None or not path.is_file():
            raise ConfigError(f"{_where(path, root)}: a script must be a file named like {SCRIPT_FILE.pattern}")
        source = path.read_bytes()
        if len(source) > MAX_SCRIPT_BYTES:
            raise ConfigError(f"{_where(path, root)}: larger than {MAX_SCRIPT_BYTES} bytes")
        scripts.append(Script(f"{folder.name}/{match.group(1)}", path.resolve(), source))
    return scripts


def _read_text(path: Path, root: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_TEXT_BYTES:
        raise ConfigError(f"{_where(path, root)}: larger than {MAX_TEXT_BYTES} bytes")
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{_where(path, root)}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _refuse_symlink(path: Path, root: Path) -> None:
    # A symlink could point a "bundled" script or guide anywhere on the machine; only real files ship.
    if path.is_symlink():
        raise ConfigError(f"{_where(path, root)}: symlinks are not allowed in skills")


def _where(path: Path, root: Path) -> str:
    """The path relative to the skills root, for messages (no machine paths)."""
    return path.relative_to(root).as_posix()
