"""The skill tools: list, load a guide or section, run a bundled script; declared read-only in the core toolset."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from tests.tools.fakes import FakeContext

from larkgate.errors import InputError, NotFoundError
from larkgate.skills.loader import SkillSet, load_skill_set, load_skills
from larkgate.skills.runner import Limits, ScriptRunner
from larkgate.tools import skills as tools
from larkgate.tools.inventory import ALL_TOOLS

FIXTURES = Path(__file__).parents[1] / "skills" / "fixtures" / "skills"


@pytest.fixture
def fixture_skills(monkeypatch: pytest.MonkeyPatch) -> SkillSet:
    skills = load_skill_set(FIXTURES)
    monkeypatch.setattr(tools, "load_skills", lambda: skills)
    runner = ScriptRunner(skills.scripts, Limits(wall_seconds=10))
    monkeypatch.setattr(tools, "default_runner", lambda: runner)
    return skills


def test_the_tools_are_declared_read_only_in_core() -> None:
    specs = {spec.name: spec for spec in ALL_TOOLS}
    for name in ("lark_list_skills", "lark_get_skill", "lark_exec_script"):
        spec = specs[name]
        assert spec.toolset == "core"
        assert spec.read_only
        assert not spec.destructive
        assert not spec.open_world
    schema = specs["lark_exec_script"].output_schema()
    assert "json" in schema["properties"]
    assert "parsed" not in schema["properties"]


async def test_list_skills(fixture_skills: SkillSet) -> None:
    out = await tools.list_skills(FakeContext(), tools.ListSkillsInput())
    assert [s.model_dump() for s in out.skills] == [
        {"name": "alpha", "description": "Alpha: the first fixture skill, with sections and a script."},
        {"name": "beta-two", "description": "The second fixture skill, with a block list of triggers."},
    ]


async def test_list_skills_lists_the_packaged_skills() -> None:
    out = await tools.list_skills(FakeContext(), tools.ListSkillsInput())
    assert [s.name for s in out.skills] == list(load_skills().skills)


async def test_get_skill_guide_and_section(fixture_skills: SkillSet) -> None:
    guide = await tools.get_skill(FakeContext(), tools.GetSkillInput(name="alpha"))
    assert guide.text.startswith("# Alpha")
    assert guide.section is None
    assert guide.sections == ["details", "more-notes"]
    assert guide.scripts == ["alpha/echo_args"]
    section = await tools.get_skill(FakeContext(), tools.GetSkillInput(name="alpha", section="more-notes"))
    assert section.text == "More notes, 更多说明.\n"
    assert section.section == "more-notes"


@pytest.mark.parametrize(
    ("name", "section", "message"),
    [
        ("gamma", None, "no skill named 'gamma'; available: alpha, beta-two"),
        ("../alpha", None, "available: alpha, beta-two"),
        ("alpha/../beta-two", None, "available: alpha, beta-two"),
        ("alpha", "../../SKILL", "sections: details, more-notes"),
        ("alpha", "/etc/passwd", "sections: details, more-notes"),
        ("alpha", "details.md", "sections: details, more-notes"),
    ],
)
async def test_get_skill_refusals_list_what_exists(
    fixture_skills: SkillSet, name: str, section: str | None, message: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await tools.get_skill(FakeContext(), tools.GetSkillInput(name=name, section=section))
    assert message in caught.value.message


async def test_exec_script_returns_output_and_json(fixture_skills: SkillSet) -> None:
    out = await tools.exec_script(
        FakeContext(), tools.ExecScriptInput(script="alpha/echo_args", args=["x"], stdin="in")
    )
    dumped = out.model_dump(mode="json", exclude_none=True)
    assert dumped["json"] == {"args": ["x"], "stdin": "in"}
    assert dumped["exit_code"] == 0
    assert dumped["truncated"] is False
    assert dumped["timed_out"] is False
    assert "note" not in dumped


async def test_exec_script_refuses_names_outside_the_allowlist(fixture_skills: SkillSet) -> None:
    with pytest.raises(InputError, match="invalid script name"):
        await tools.exec_script(FakeContext(), tools.ExecScriptInput(script="../alpha/echo_args"))
    with pytest.raises(NotFoundError, match="available: alpha/echo_args, tools-only/shout"):
        await tools.exec_script(FakeContext(), tools.ExecScriptInput(script="alpha/missing"))


def test_exec_script_input_limits() -> None:
    with pytest.raises(ValidationError, match="at most 32 items"):
        tools.ExecScriptInput(script="docs/word_stats", args=["a"] * 33)
    with pytest.raises(ValidationError, match="at most 4096 characters"):
        tools.ExecScriptInput(script="docs/word_stats", args=["a" * 4097])
    with pytest.raises(ValidationError, match="valid string"):
        tools.ExecScriptInput(script="docs/word_stats", args=[1])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="extra"):
        tools.ExecScriptInput.model_validate({"script": "docs/word_stats", "shell": True})
    assert tools.ExecScriptInput(script="docs/word_stats", stdin="x" * 1_000_000).stdin is not None


async def test_the_bundled_word_stats_runs_through_the_tool() -> None:
    out = await tools.exec_script(
        FakeContext(), tools.ExecScriptInput(script="docs/word_stats", stdin="# 标题 Title\n\n你好 world\n")
    )
    assert out.exit_code == 0, out.stderr
    assert out.parsed["words"] == 6
    assert out.parsed["headings"]["total"] == 1
