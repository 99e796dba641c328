"""Skills as MCP prompts and resources, over the fixture skills."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from larkgate.skills.loader import load_skill_set
from larkgate.skills.protocol import MIME, URI_TEMPLATE, SkillSurface

FIXTURES = Path(__file__).with_name("fixtures") / "skills"
CTX: Any = None  # the handlers do not use the request context


@pytest.fixture
def surface() -> SkillSurface:
    return SkillSurface(load_skill_set(FIXTURES))


async def test_one_prompt_per_skill(surface: SkillSurface) -> None:
    prompts = (await surface.list_prompts(CTX, None)).prompts
    assert [p.name for p in prompts] == ["alpha", "beta-two"]
    alpha, beta = prompts
    assert alpha.title == "Skill: alpha"
    assert alpha.description is not None
    assert alpha.arguments is not None
    assert alpha.arguments[0].name == "section"
    assert not alpha.arguments[0].required
    assert "details, more-notes" in (alpha.arguments[0].description or "")
    assert beta.arguments is None


async def test_get_prompt_returns_the_guide_or_a_section(surface: SkillSurface) -> None:
    guide = await surface.get_prompt(CTX, types.GetPromptRequestParams(name="alpha"))
    message = guide.messages[0]
    assert message.role == "user"
    assert isinstance(message.content, types.TextContent)
    assert message.content.text.startswith("# Alpha")
    assert "details, more-notes" in message.content.text
    section = await surface.get_prompt(
        CTX, types.GetPromptRequestParams(name="alpha", arguments={"section": "details"})
    )
    assert isinstance(section.messages[0].content, types.TextContent)
    assert section.messages[0].content.text.startswith("# Details")
    empty = await surface.get_prompt(CTX, types.GetPromptRequestParams(name="alpha", arguments={"section": ""}))
    assert isinstance(empty.messages[0].content, types.TextContent)
    assert empty.messages[0].content.text.startswith("# Alpha")


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("gamma", None, "available: alpha, beta-two"),
        ("alpha", {"section": "../SKILL"}, "sections: details, more-notes"),
    ],
)
async def test_unknown_prompts_are_invalid_params(
    surface: SkillSurface, name: str, arguments: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(MCPError) as caught:
        await surface.get_prompt(CTX, types.GetPromptRequestParams(name=name, arguments=arguments))
    assert caught.value.code == types.INVALID_PARAMS
    assert message in caught.value.message


async def test_resources_list_every_guide_and_section(surface: SkillSurface) -> None:
    resources = (await surface.list_resources(CTX, None)).resources
    assert [r.uri for r in resources] == [
        "skill://alpha",
        "skill://alpha/details",
        "skill://alpha/more-notes",
        "skill://beta-two",
    ]
    assert all(r.mime_type == MIME and r.size and r.description for r in resources)
    templates = (await surface.list_resource_templates(CTX, None)).resource_templates
    assert [t.uri_template for t in templates] == [URI_TEMPLATE]


async def test_read_resource(surface: SkillSurface) -> None:
    guide = (await surface.read_resource(CTX, types.ReadResourceRequestParams(uri="skill://alpha"))).contents[0]
    assert isinstance(guide, types.TextResourceContents)
    assert guide.uri == "skill://alpha"
    assert guide.mime_type == MIME
    assert guide.text.startswith("# Alpha")
    section = (await surface.read_resource(CTX, types.ReadResourceRequestParams(uri="skill://alpha/details"))).contents
    assert isinstance(section[0], types.TextResourceContents)
    assert section[0].text.startswith("# Details")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("skill://alpha/../beta-two", "use skill://<name>[/<section>]"),
        ("skill://../../etc/passwd", "use skill://<name>[/<section>]"),
        ("file:///etc/passwd", "use skill://<name>[/<section>]"),
        ("skill://alpha/details/extra", "use skill://<name>[/<section>]"),
        ("skill://gamma", "available: alpha, beta-two"),
        ("skill://alpha/nope", "sections: details, more-notes"),
    ],
)
async def test_unknown_resources_are_invalid_params(surface: SkillSurface, uri: str, message: str) -> None:
    with pytest.raises(MCPError) as caught:
        await surface.read_resource(CTX, types.ReadResourceRequestParams(uri=uri))
    assert caught.value.code == types.INVALID_PARAMS
    assert message in caught.value.message
