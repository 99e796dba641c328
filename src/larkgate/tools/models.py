"""Base classes shared by tool input and output models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ToolInput(BaseModel):
    """Tool arguments: unknown keys are an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", str_max_length=100_000)


class ToolOutput(BaseModel):
    """Structured tool results."""

    model_config = ConfigDict(extra="forbid")
