"""The ToolContext handed to tool handlers: the calling member, and Feishu as that member."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from larkgate.errors import FeishuTokenError
from larkgate.feishu.client import FeishuClient, FeishuResponse
from larkgate.feishu.identity import TokenBroker


class CallContext:
    """Per-call context: every Feishu request is made with the member's own, freshly valid user token."""

    def __init__(self, user_pk: str, client_id: str, broker: TokenBroker, feishu_client: FeishuClient) -> None:
        self._user_pk = user_pk
        self.client_id = client_id
        self._broker = broker
        self._client = feishu_client
        self.log_ids: list[str] = []

    @property
    def user_pk(self) -> str:
        """Our id of the calling member."""
        return self._user_pk

    async def feishu(
        self, method: str, path: str, *, query: Mapping[str, Any] | None = None, json: Any = None
    ) -> FeishuResponse:
        """Call Feishu as the member; a token Feishu calls invalid is refreshed once and the call retried."""
        token = await self._broker.access_token(self._user_pk)
        try:
            response = await self._client.call(method, path, token=token, query=query, json=json)
        except FeishuTokenError:
            # Feishu can invalidate a token before its stated expiry (e.g. the user changed password).
            await self._broker.invalidate(self._user_pk)
            token = await self._broker.access_token(self._user_pk)
            response = await self._client.call(method, path, token=token, query=query, json=json)
        if response.log_id:
            self.log_ids.append(response.log_id)
        return response
