"""Skills through /mcp as a member's agent sees them: tools, prompts, resources and the script runner."""

from __future__ import annotations

from typing import Any

import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from larkgate.skills.loader import Skill, load_skills
from tests.e2e.agent import MemoryStorage, Person, connect, oauth_provider
from tests.e2e.live import LiveGateway

PM = "pm@sandbox.example"


def data(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None, result.content
    payload: dict[str, Any] = result.structured_content
    return payload


def error_text(result: Any) -> str:
    assert result.is_error
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def skill_with_sections() -> Skill:
    return next(skill for skill in load_skills().skills.values() if skill.sections)


@pytest.mark.parametrize("mode", ["legacy", "auto"])  # auto: server/discover, the 2026-07-28 era
async def test_skills_as_tools_prompts_and_resources(gateway: LiveGateway, mode: str) -> None:
    skill = skill_with_sections()
    section = next(iter(skill.sections))
    auth = oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())
    async with connect(gateway.mcp_url, auth, mode=mode) as client:
        instructions = client.instructions or ""
        era = client.protocol_version
        tools = {tool.name for tool in (await client.list_tools()).tools}
        listed = data(await client.call_tool("lark_list_skills", {}))
        guide = data(await client.call_tool("lark_get_skill", {"name": skill.name}))
        part = data(await client.call_tool("lark_get_skill", {"name": skill.name, "section": section}))
        unknown = await client.call_tool("lark_get_skill", {"name": "../../etc/passwd"})
        prompts = (await client.list_prompts()).prompts
        prompt = await client.get_prompt(skill.name)
        prompt_section = await client.get_prompt(skill.name, {"section": section})
        resources = (await client.list_resources()).resources
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource(f"skill://{skill.name}/{section}")
        with pytest.raises(MCPError, match="use skill://"):
            await client.read_resource("skill://../secrets")
        with pytest.raises(MCPError, match="available:"):
            await client.get_prompt("no-such-skill")
    if mode == "auto":
        assert era == "2026-07-28"
    assert "lark_list_skills" in instructions
    assert "lark_get_skill" in instructions
    assert {"lark_list_skills", "lark_get_skill", "lark_exec_script"} <= tools
    names = [item["name"] for item in listed["skills"]]
    assert names == list(load_skills().skills)
    assert len(names) >= 1
    assert all(set(item) == {"name", "description"} for item in listed["skills"])
    assert guide["text"] == skill.body
    assert guide["sections"] == list(skill.sections)
    assert part["section"] == section
    assert part["text"] == skill.sections[section]
    assert unknown.is_error
    assert skill.name in error_text(unknown)
    assert [p.name for p in prompts] == names
    assert isinstance(prompt.messages[0].content, types.TextContent)
    assert prompt.messages[0].role == "user"
    assert prompt.messages[0].content.text == skill.guide()
    assert isinstance(prompt_section.messages[0].content, types.TextContent)
    assert prompt_section.messages[0].content.text == skill.sections[section]
    uris = [r.uri for r in resources]
    assert f"skill://{skill.name}" in uris
    assert f"skill://{skill.name}/{section}" in uris
    assert all(r.mime_type == "text/markdown" for r in resources)
    assert [t.uri_template for t in templates] == ["skill://{name}/{section}"]
    content = read.contents[0]
    assert isinstance(content, types.TextResourceContents)
    assert content.text == skill.sections[section]


async def test_exec_script_runs_bundled_scripts_only(gateway: LiveGateway) -> None:
    auth = oauth_provider(gateway.mcp_url, Person(PM), MemoryStorage())
    async with connect(gateway.mcp_url, auth) as client:
        stats = data(
            await client.call_tool("lark_exec_script", {"script": "docs/word_stats", "stdin": "# 标题\n\n你好 world\n"})
        )
        lint = data(
            await client.call_tool(
                "lark_exec_script", {"script": "markdown_lint", "args": ["--max-line", "80"], "stdin": "```\nx\n"}
            )
        )
        traversal = await client.call_tool("lark_exec_script", {"script": "docs/../../bin/sh"})
        unknown = await client.call_tool("lark_exec_script", {"script": "docs/rm_rf"})
        bad_args = await client.call_tool("lark_exec_script", {"script": "docs/word_stats", "args": [1, 2]})
    assert stats["exit_code"] == 0
    assert stats["json"]["words"] == 5
    assert stats["timed_out"] is False
    assert lint["json"]["ok"] is False
    assert lint["json"]["problems"][0]["rule"] == "unclosed-fence"
    assert traversal.is_error
    assert "invalid script name" in error_text(traversal)
    assert unknown.is_error
    assert "docs/word_stats" in error_text(unknown)
    assert bad_args.is_error
    assert "args.0" in error_text(bad_args)
