"""Skills as MCP prompts (one per skill, named like the skill) and resources (`skill://<name>[/<section>]`).

For clients that surface prompts as slash commands or let the member attach resources; agents use the tools.
"""

from __future__ import annotations

import re
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError

from larkgate.errors import NotFoundError
from larkgate.skills.loader import Skill, SkillSet

MIME = "text/markdown"
URI_TEMPLATE = "skill://{name}/{section}"
_URI = re.compile(r"^skill://([a-z][a-z0-9-]{1,40})(?:/([a-z][a-z0-9-]{1,40}))?$")


class SkillSurface:
    """The prompt and resource handlers of the lowlevel server, over the skills loaded at start."""

    def __init__(self, skills: SkillSet) -> None:
        self.skills = skills

    async def list_prompts(
        self, _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListPromptsResult:
        """One prompt per skill; the optional `section` argument picks a reference section."""
        prompts = [
            types.Prompt(
                name=skill.name,
                title=f"Skill: {skill.name}",
                description=skill.description,
                arguments=[
                    types.PromptArgument(
                        name="section",
                        description=f"A reference section: {', '.join(skill.sections)}",
                        required=False,
                    )
                ]
                if skill.sections
                else None,
            )
            for skill in self.skills.skills.values()
        ]
        return types.ListPromptsResult(prompts=prompts)

    async def get_prompt(
        self, _ctx: ServerRequestContext[Any], params: types.GetPromptRequestParams
    ) -> types.GetPromptResult:
        """The skill's guide (or one section) as a user message."""
        section = (params.arguments or {}).get("section") or None
        skill, text = self._text(params.name, section)
        message = types.PromptMessage(role="user", content=types.TextContent(text=text))
        return types.GetPromptResult(description=skill.description, messages=[message])

    async def list_resources(
        self, _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        """Every guide and every reference section."""
        resources: list[types.Resource] = []
        for skill in self.skills.skills.values():
            resources.append(self._resource(f"skill://{skill.name}", skill.name, skill.description, skill.guide()))
            for section, text in skill.sections.items():
                about = f"The {section} section of the {skill.name} skill."
                resources.append(
                    self._resource(f"skill://{skill.name}/{section}", f"{skill.name}/{section}", about, text)
                )
        return types.ListResourcesResult(resources=resources)

    async def list_resource_templates(
        self, _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        """`skill://{name}/{section}` for reading any section by name."""
        template = types.ResourceTemplate(
            name="skill-section",
            title="Skill reference section",
            uri_template=URI_TEMPLATE,
            description="One reference section of a skill; the skill's guide lists its sections.",
            mime_type=MIME,
        )
        return types.ListResourceTemplatesResult(resource_templates=[template])

    async def read_resource(
        self, _ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        """The guide at `skill://<name>` or the section at `skill://<name>/<section>`."""
        match = _URI.match(params.uri)
        if match is None:
            raise MCPError(
                types.INVALID_PARAMS, f"unknown resource {params.uri[:100]!r}; use skill://<name>[/<section>]"
            )
        _, text = self._text(match.group(1), match.group(2))
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=params.uri, mime_type=MIME, text=text)]
        )

    def _text(self, name: str, section: str | None) -> tuple[Skill, str]:
        try:
            skill = self.skills.find(name)
            return skill, skill.guide() if section is None else self.skills.section(name, section)
        except NotFoundError as exc:
            raise MCPError(types.INVALID_PARAMS, exc.message) from None

    @staticmethod
    def _resource(uri: str, name: str, description: str, text: str) -> types.Resource:
        size = len(text.encode("utf-8"))
        return types.Resource(uri=uri, name=name, description=description, mime_type=MIME, size=size)
