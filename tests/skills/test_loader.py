"""The skill loader: the file format, strict front matter, and loud failures that name the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from larkgate.errors import ConfigError, NotFoundError
from larkgate.skills.frontmatter import parse_front_matter, split_front_matter
from larkgate.skills.loader import SKILLS_ROOT, load_skill_set, load_skills

FIXTURES = Path(__file__).with_name("fixtures") / "skills"
GOOD = "---\nname: {name}\ndescription: A skill.\ntriggers: [a, 乙]\n---\n# Guide\n\nText.\n"


def make_skill(root: Path, name: str = "demo", text: str | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(GOOD.format(name=name) if text is None else text, encoding="utf-8")
    return folder


def test_fixture_skills_load_with_sections_and_scripts() -> None:
    skills = load_skill_set(FIXTURES)
    assert list(skills.skills) == ["alpha", "beta-two"]
    alpha = skills.skills["alpha"]
    assert alpha.description == "Alpha: the first fixture skill, with sections and a script."
    assert alpha.triggers == ("alpha", "first", "第一")
    assert alpha.body.startswith("# Alpha\n")
    assert list(alpha.sections) == ["details", "more-notes"]
    assert alpha.scripts == ("alpha/echo_args",)
    assert skills.skills["beta-two"].triggers == ("beta", "第二")
    # A folder with only scripts contributes scripts, not a skill.
    assert sorted(skills.scripts) == ["alpha/echo_args", "tools-only/shout"]
    assert skills.scripts["tools-only/shout"].source.startswith(b'"""Upper-cases')


def test_guide_lists_sections_and_scripts() -> None:
    skills = load_skill_set(FIXTURES)
    guide = skills.skills["alpha"].guide()
    assert guide.startswith("# Alpha")
    assert "details, more-notes" in guide
    assert "skill://alpha/<section>" in guide
    assert "alpha/echo_args" in guide
    assert skills.skills["beta-two"].guide() == "# Beta\n\nNo sections here.\n"


def test_lookups_name_what_exists() -> None:
    skills = load_skill_set(FIXTURES)
    assert skills.section("alpha", "details").startswith("# Details")
    with pytest.raises(NotFoundError, match="available: alpha, beta-two"):
        skills.find("../alpha")
    with pytest.raises(NotFoundError, match="sections: details, more-notes"):
        skills.section("alpha", "../../etc/passwd")
    with pytest.raises(NotFoundError, match=r"sections: \(none\)"):
        skills.section("beta-two", "details")


def test_packaged_skills_load_and_are_cached() -> None:
    skills = load_skills()
    assert load_skills() is skills
    assert {"docs/word_stats", "docs/markdown_lint", "sheets/reshape_table"} <= set(skills.scripts)
    for skill in skills.skills.values():
        assert skill.name == skill.name.strip()
        assert skill.description
        assert skill.triggers
    assert SKILLS_ROOT.name == "skills"


def test_root_level_files_and_private_folders_are_skipped(tmp_path: Path) -> None:
    make_skill(tmp_path)
    (tmp_path / "loader.py").write_text("", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "empty").mkdir()
    scripts = make_skill(tmp_path, "coded") / "scripts"
    scripts.mkdir()
    (scripts / "__pycache__").mkdir()
    (scripts / "run_it.py").write_text("print(1)\n", encoding="utf-8")
    skills = load_skill_set(tmp_path)
    assert list(skills.skills) == ["coded", "demo"]
    assert list(skills.scripts) == ["coded/run_it"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# no front matter\n", "line 1: must open with a '---'"),
        ("---\nname: demo\n", "not closed"),
        ("---\nname: demo\ndescription: d\ntriggers: [a]\n---\n\n", "guide after the front matter is empty"),
        ("---\nname: other\ndescription: d\ntriggers: [a]\n---\nx\n", "name must equal the folder name 'demo'"),
        ("---\nname: demo\ntriggers: [a]\n---\nx\n", "missing key"),
        ("---\nname: demo\ndescription: d\ntriggers: [a]\ntitle: t\n---\nx\n", "unknown key"),
        ("---\nname: demo\ndescription: d\ntriggers: []\n---\nx\n", "triggers must be a non-empty list"),
        ("---\nname: demo\ndescription: d\ntriggers: a\n---\nx\n", "triggers must be a non-empty list"),
        ("---\nname: demo\ndescription: [d]\ntriggers: [a]\n---\nx\n", "description must be one line"),
        ("---\nname: demo\ndescription: " + "d" * 301 + "\ntriggers: [a]\n---\nx\n", "at most 300"),
        ("---\nname: [demo]\ndescription: d\ntriggers: [a]\n---\nx\n", "name must equal"),
        ("---\nname: demo\nname: demo\n---\nx\n", "line 3: 'name' is given twice"),
        ("---\nname:demo\n---\nx\n", "line 2: expected 'key: value'"),
        ("---\n- a\n---\nx\n", "line 2: a '- item' line must follow"),
        ("---\nname: demo\n- a\n---\nx\n", "line 3: a '- item' line must follow"),
        ("---\ntriggers: [a, b\n---\nx\n", "must close with ']'"),
        ("---\ntriggers: [a, , b]\n---\nx\n", "empty value"),
        ("---\ntriggers:\n  -\n---\nx\n", "line 3: empty value"),
        ('---\ndescription: "half\n---\nx\n', "unbalanced quotes"),
    ],
)
def test_bad_front_matter_fails_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    make_skill(tmp_path, text=text)
    with pytest.raises(ConfigError, match=r"demo/SKILL\.md") as caught:
        load_skill_set(tmp_path)
    assert message in caught.value.message


def test_front_matter_forms() -> None:
    lines, body, start = split_front_matter("\ufeff---\nname: x\n---\nbody\n")
    assert (lines, body, start) == (["name: x"], "body\n", 4)
    parsed = parse_front_matter(["a: 'quoted: yes'", "b: []", "c:", "  - one", "", "  - 'two'", 'd: [x, "y z"]'])
    assert parsed == {"a": "quoted: yes", "b": [], "c": ["one", "two"], "d": ["x", "y z"]}


def test_bad_layout_fails_naming_the_file(tmp_path: Path) -> None:
    root = tmp_path / "a"
    make_skill(root, "Bad_Name")
    with pytest.raises(ConfigError, match=r"skill folder Bad_Name: the name must match"):
        load_skill_set(root)

    root = tmp_path / "b"
    (make_skill(root) / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"demo/notes\.txt: unexpected"):
        load_skill_set(root)

    root = tmp_path / "c"
    (root / "demo" / "references").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"demo: has references/ but no SKILL\.md"):
        load_skill_set(root)

    root = tmp_path / "d"
    refs = make_skill(root) / "references"
    refs.mkdir()
    (refs / "Bad Name.md").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"demo/references/Bad Name.md: a reference section must be"):
        load_skill_set(root)

    root = tmp_path / "e"
    refs = make_skill(root) / "references"
    refs.mkdir()
    (refs / "blank.md").write_text("\n\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"demo/references/blank\.md: the section is empty"):
        load_skill_set(root)

    root = tmp_path / "f"
    scripts = make_skill(root) / "scripts"
    scripts.mkdir()
    (scripts / "Run.py").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"demo/scripts/Run\.py: a script must be a file named like"):
        load_skill_set(root)

    root = tmp_path / "g"
    scripts = make_skill(root) / "scripts"
    scripts.mkdir()
    (scripts / "huge.py").write_bytes(b"#" * 256_001)
    with pytest.raises(ConfigError, match=r"demo/scripts/huge\.py: larger than"):
        load_skill_set(root)

    root = tmp_path / "h"
    (make_skill(root) / "SKILL.md").write_bytes(b"---\nname: demo\xff\n---\n")
    with pytest.raises(ConfigError, match=r"demo/SKILL.md: not UTF-8"):
        load_skill_set(root)

    root = tmp_path / "i"
    (make_skill(root) / "SKILL.md").write_bytes(b"x" * 512_001)
    with pytest.raises(ConfigError, match=r"demo/SKILL.md: larger than"):
        load_skill_set(root)


@pytest.mark.parametrize("where", ["skill", "guide", "section", "scripts-dir", "script"])
def test_symlinks_are_refused_at_load(tmp_path: Path, where: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text("print('pwned')\n", encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    if where == "skill":
        os.symlink(outside, root / "linked")
        bad = "linked"
    else:
        folder = make_skill(root)
        if where == "guide":
            (folder / "SKILL.md").unlink()
            os.symlink(outside / "evil.py", folder / "SKILL.md")
            bad = "demo/SKILL.md"
        elif where == "section":
            (folder / "references").mkdir()
            os.symlink(outside / "evil.py", folder / "references" / "evil.md")
            bad = "demo/references/evil.md"
        elif where == "scripts-dir":
            os.symlink(outside, folder / "scripts")
            bad = "demo/scripts"
        else:
            (folder / "scripts").mkdir()
            os.symlink(outside / "evil.py", folder / "scripts" / "evil.py")
            bad = "demo/scripts/evil.py"
    with pytest.raises(ConfigError, match=f"{bad}: symlinks are not allowed"):
        load_skill_set(root)
