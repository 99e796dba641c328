"""A scripted ToolContext: canned Feishu answers per (method, path), a record of calls, and a settable confirmation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from larkgate.errors import FeishuError
from larkgate.feishu.client import FeishuResponse

Answer = dict[str, Any] | FeishuError | Callable[[Mapping[str, Any] | None, Any], dict[str, Any]]


@dataclass
class FakeContext:
    """Answers Feishu calls from `routes`; unknown routes fail the test loudly."""

    routes: dict[tuple[str, str], Answer] = field(default_factory=dict)
    calls: list[tuple[str, str, Any, Any]] = field(default_factory=list)
    confirmation: bool | None = None
    prompts: list[str] = field(default_factory=list)

    @property
    def user_pk(self) -> str:
        return "user-1"

    async def feishu(
        self, method: str, path: str, *, query: Mapping[str, Any] | None = None, json: Any = None
    ) -> FeishuResponse:
        self.calls.append((method, path, dict(query or {}), json))
        answer = self.routes.get((method, path))
        if answer is None:
            raise AssertionError(f"unexpected Feishu call {method} {path}")
        if isinstance(answer, FeishuError):
            raise answer
        data = answer(query, json) if callable(answer) else answer
        return FeishuResponse(data, "log-1")

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        return None

    async def confirm(self, message: str) -> bool | None:
        self.prompts.append(message)
        return self.confirmation
