from collections.abc import AsyncIterator

import httpx2

from larkgate.sandbox import Sandbox
from larkgate.sandbox.params import page


def test_page_shapes() -> None:
    items = [{"n": i} for i in range(5)]
    first = page(items, 0, 2, "x")
    assert first["has_more"] is True
    assert first["items"] == items[:2]
    last = page(items, 4, 2, "x")
    assert last == {"has_more": False, "items": items[4:]}
    beyond = page(items, 50, 2, "x")
    assert beyond == {"has_more": False, "items": []}


async def test_streamed_bodies_are_capped_without_content_length(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = sandbox.issue_tokens_for("pm@sandbox.example", ["im:message", "im:message.send_as_user"])["access_token"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 100_000

    answer = await client.post(
        "/open-apis/im/v1/messages?receive_id_type=chat_id",
        content=chunks(),
        headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == 9499
