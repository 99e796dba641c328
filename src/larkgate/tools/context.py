"""The ToolContext handed to tool handlers: the calling member, and Feishu as that member."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import mcp_types as types
from mcp.server.session import ServerSession

from larkgate.errors import FeishuError, FeishuScopeError, FeishuTokenError
from larkgate.feishu import transfer
from larkgate.feishu.client import FeishuClient, FeishuResponse
from larkgate.feishu.identity import TokenBroker
from larkgate.feishu.transfer import Download

_T = TypeVar("_T")


class CallContext:
    """Per-call context: every Feishu request is made with the member's own, freshly valid user token."""

    def __init__(
        self,
        user_pk: str,
        client_id: str,
        broker: TokenBroker,
        feishu_client: FeishuClient,
        session: ServerSession | None = None,
        read_only: bool = False,
    ) -> None:
        self._user_pk = user_pk
        self.client_id = client_id
        self._broker = broker
        self._client = feishu_client
        self._session = session
        self.read_only = read_only
        self.log_ids: list[str] = []

    @property
    def user_pk(self) -> str:
        """Our id of the calling member."""
        return self._user_pk

    async def feishu(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> FeishuResponse:
        """Call Feishu as the member; a token Feishu calls invalid is refreshed once and the call retried."""
        return await self._as_member(
            lambda token: self._client.call(method, path, token=token, query=query, json=json, idempotent=idempotent)
        )

    async def upload(self, path: str, *, fields: Mapping[str, str], file: tuple[str, bytes]) -> FeishuResponse:
        """POST a multipart/form-data upload (`fields` plus the `file` part) to Feishu as the member."""
        parts = {"file": (file[0], file[1], "application/octet-stream")}
        return await self._as_member(
            lambda token: self._client.call("POST", path, token=token, data=fields, files=parts)
        )

    async def download(self, path: str, *, query: Mapping[str, Any] | None = None, max_bytes: int) -> Download:
        """GET a file's bytes from Feishu as the member, keeping at most `max_bytes` of them."""
        return await self._as_member(
            lambda token: transfer.download(self._client, path, token=token, query=query, max_bytes=max_bytes)
        )

    async def _as_member(self, call: Callable[[str], Awaitable[_T]]) -> _T:
        """Run `call` with the member's token; a token Feishu calls invalid is refreshed once and the call retried."""
        token = await self._broker.access_token(self._user_pk)
        try:
            return await self._noting_log_id(call, token)
        except FeishuTokenError:
            # Feishu can invalidate a token before its stated expiry (e.g. the user changed password).
            await self._broker.invalidate(self._user_pk, token)
            return await self._noting_log_id(call, await self._broker.access_token(self._user_pk))
        except FeishuScopeError:
            # The member may have just granted the scope (incremental sign-in): a briefly cached token predates it.
            self._broker.forget(self._user_pk)
            fresh = await self._broker.access_token(self._user_pk)
            if fresh == token:
                raise
            return await self._noting_log_id(call, fresh)

    async def _noting_log_id(self, call: Callable[[str], Awaitable[_T]], token: str) -> _T:
        # Every Feishu answer's log id goes on the call's access line and audit row, failures' most of all: it is
        # what Feishu support asks for.
        try:
            result = await call(token)
        except FeishuError as exc:
            self._note_log_id(exc.log_id)
            raise
        self._note_log_id(getattr(result, "log_id", None))
        return result

    def _note_log_id(self, log_id: object) -> None:
        if isinstance(log_id, str) and log_id:
            self.log_ids.append(log_id)

    async def progress(self, done: float, total: float | None = None, message: str | None = None) -> None:
        """Report progress to the client when it asked for it (a no-op otherwise)."""
        if self._session is not None:
            await self._session.report_progress(done, total, message)

    async def confirm(self, message: str) -> bool | None:
        """Ask the member to confirm through MCP elicitation: True/False, or None when the client cannot ask."""
        session = self._session
        if session is None or not session.check_client_capability(
            types.ClientCapabilities(elicitation=types.ElicitationCapability(form=types.FormElicitationCapability()))
        ):
            return None
        schema: types.ElicitRequestedSchema = {
            "type": "object",
            "properties": {"confirm": {"type": "boolean", "title": "Go ahead", "default": False}},
            "required": ["confirm"],
        }
        try:
            answer = await session.elicit_form(message, schema)
        except Exception:  # a client that advertised elicitation but fails it is treated as unable to ask
            logging.getLogger("larkgate.tools").warning("elicitation failed; falling back to confirm: true")
            return None
        return answer.action == "accept" and bool((answer.content or {}).get("confirm"))
