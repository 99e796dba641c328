"""Skill tools: list the skills, load one (or one of its sections), and run a bundled script."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from larkgate.skills.loader import load_skills
from larkgate.skills.runner import MAX_ARG_BYTES, MAX_ARGS, MAX_STDIN_BYTES, default_runner
from larkgate.tools.models import ToolInput, ToolOutput
from larkgate.tools.spec import ToolContext, ToolSpec


class ListSkillsInput(ToolInput):
    """No arguments."""


class SkillSummary(ToolOutput):
    """One skill: what `lark_get_skill` takes, and when to load it."""

    name: str
    description: str


class ListSkillsOutput(ToolOutput):
    """Every skill, by name."""

    skills: list[SkillSummary]


async def list_skills(_ctx: ToolContext, _args: ListSkillsInput) -> ListSkillsOutput:
    """Name and one-line description of every skill."""
    skills = load_skills().skills.values()
    return ListSkillsOutput(skills=[SkillSummary(name=s.name, description=s.description) for s in skills])


class GetSkillInput(ToolInput):
    """Which skill, and optionally which of its sections."""

    name: str = Field(min_length=1, max_length=100, description="Skill name from lark_list_skills, e.g. calendar.")
    section: str | None = Field(None, max_length=100, description="A section the guide lists (default: the guide).")


class SkillText(ToolOutput):
    """The guide (or one section) as Markdown, with the skill's other sections and scripts."""

    name: str
    description: str
    section: str | None = None
    text: str
    sections: list[str]
    scripts: list[str]


async def get_skill(_ctx: ToolContext, args: GetSkillInput) -> SkillText:
    """A skill's guide, or one reference section; unknown names list what exists."""
    # Only dict lookups in the set loaded at start: a name is never turned into a path.
    skills = load_skills()
    skill = skills.find(args.name)
    text = skill.body if args.section is None else skills.section(args.name, args.section)
    return SkillText(
        name=skill.name,
        description=skill.description,
        section=args.section,
        text=text,
        sections=list(skill.sections),
        scripts=list(skill.scripts),
    )


Arg = Annotated[str, Field(max_length=MAX_ARG_BYTES)]


class ExecScriptInput(ToolInput):
    """Which bundled script, with which arguments and standard input."""

    script: str = Field(
        min_length=1, max_length=100, description="'<skill>/<script>' as a skill lists it, e.g. docs/word_stats."
    )
    args: list[Arg] = Field(default_factory=list, max_length=MAX_ARGS, description="Command-line arguments (strings).")
    stdin: str | None = Field(None, max_length=MAX_STDIN_BYTES, description="Text given on standard input (≤ 1 MB).")


class ExecScriptOutput(ToolOutput):
    """What the script printed and how it ended; `json` is stdout parsed when it is JSON."""

    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    exit_code: int
    stdout: str
    stderr: str
    truncated: bool
    timed_out: bool
    duration_ms: int
    parsed: Any = Field(None, alias="json")
    note: str | None = None


async def exec_script(_ctx: ToolContext, args: ExecScriptInput) -> ExecScriptOutput:
    """Run one allowlisted script in the contained runner."""
    result = await default_runner().run(args.script, args.args, args.stdin)
    return ExecScriptOutput(
        exit_code=result.exit_code,
        stdout=result.stdout,
        stderr=result.stderr,
        truncated=result.truncated,
        timed_out=result.timed_out,
        duration_ms=result.duration_ms,
        parsed=result.json,
        note=result.note,
    )


TOOLS = (
    ToolSpec(
        name="lark_list_skills",
        title="List skills",
        description=(
            "Skills are step-by-step guides for multi-step Feishu work (scheduling, reports, docs, imports). "
            "Lists each skill's name and when to use it; load one with lark_get_skill."
        ),
        input_model=ListSkillsInput,
        output_model=ListSkillsOutput,
        handler=list_skills,
        toolset="core",
        read_only=True,
        idempotent=True,
        open_world=False,
    ),
    ToolSpec(
        name="lark_get_skill",
        title="Load a skill",
        description=(
            "A skill's guide as Markdown (which tools, in what order, preconditions, pitfalls) plus its sections "
            "and scripts; pass section to read one reference section."
        ),
        input_model=GetSkillInput,
        output_model=SkillText,
        handler=get_skill,
        toolset="core",
        read_only=True,
        idempotent=True,
        open_world=False,
    ),
    ToolSpec(
        name="lark_exec_script",
        title="Run a skill script",
        description=(
            "Run a helper script bundled with a skill (e.g. docs/word_stats, docs/markdown_lint, "
            "sheets/reshape_table) on text you pass as stdin/args; returns stdout (parsed as json when it is JSON)."
        ),
        input_model=ExecScriptInput,
        output_model=ExecScriptOutput,
        handler=exec_script,
        toolset="core",
        # Read-only: a script runs in a throw-away temp dir with an environment holding no tokens or secrets, and
        # never touches Feishu or the gateway's state; its only effect is the text it returns.
        read_only=True,
        idempotent=True,
        open_world=False,
    ),
)
