import json

import httpx2
import pytest

from larkgate.sandbox import Sandbox
from larkgate.sandbox.apis.im_search import searchable_text
from larkgate.sandbox.tenant import BOT, Message

from .helpers import bearer, tenant_token, user_token

SEARCH = "/open-apis/search/v2/message"


def _texts(sandbox: Sandbox, ids: list[str]) -> list[str]:
    by_id = {m.message_id: m for m in sandbox.tenant.messages}
    return [searchable_text(by_id[i]) for i in ids]


async def _search(client: httpx2.AsyncClient, token: str, body: dict[str, object], **params: object) -> httpx2.Response:
    return await client.post(SEARCH, json=body, params=params, headers=bearer(token))  # type: ignore[arg-type]


def _user(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


async def test_keyword_search_sees_only_the_members_chats(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    pm = user_token(sandbox, "pm@sandbox.example", "search:message")
    ops = user_token(sandbox, "ops@sandbox.example", "search:message")
    found = (await _search(client, pm, {"query": "review"})).json()["data"]
    assert _texts(sandbox, found["items"]) == [
        "Review is Thursday 15:00 in Room A. 评审会周四下午三点，会议室 A。",
        "The SSO callback API is on staging now. Please try it before the review.",
    ]
    assert found["has_more"] is False
    assert (await _search(client, ops, {"query": "review"})).json()["data"]["items"] == []
    both_words = (await _search(client, pm, {"query": "sso STAGING"})).json()["data"]["items"]
    assert len(both_words) == 1


async def test_filters(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    pm = user_token(sandbox, "pm@sandbox.example", "search:message")
    rnd = next(c.chat_id for c in sandbox.tenant.chats.values() if "R&D" in c.name)
    dev2 = _user(sandbox, "dev2")
    everything = (await _search(client, pm, {"query": ""})).json()["data"]["items"]
    assert len(everything) == 9
    in_rnd = (await _search(client, pm, {"query": "", "chat_ids": [rnd]})).json()["data"]["items"]
    assert len(in_rnd) == 5
    by_dev2 = (await _search(client, pm, {"query": "", "from_ids": [dev2]})).json()["data"]["items"]
    assert len(by_dev2) == 2
    newest = max(m.create_time for m in sandbox.tenant.messages)
    recent = {"query": "", "start_time": str(int(newest - 3600)), "end_time": str(int(newest))}
    assert len((await _search(client, pm, recent)).json()["data"]["items"]) == 1
    assert (await _search(client, pm, {"query": "", "chat_type": "p2p_chat"})).json()["data"]["items"] == []
    assert len((await _search(client, pm, {"query": "", "chat_type": "group_chat"})).json()["data"]["items"]) == 9
    assert (await _search(client, pm, {"query": "", "from_type": "bot"})).json()["data"]["items"] == []
    assert (await _search(client, pm, {"query": "", "message_type": "file"})).json()["data"]["items"] == []
    sandbox.tenant.add_message(rnd, "text", json.dumps({"text": "bot says hi"}), BOT, newest)
    assert len((await _search(client, pm, {"query": "", "from_type": "bot"})).json()["data"]["items"]) == 1
    assert len((await _search(client, pm, {"query": "", "from_type": "user"})).json()["data"]["items"]) == 9


async def test_posts_mentions_and_paging(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    rnd = next(c.chat_id for c in sandbox.tenant.chats.values() if "R&D" in c.name)
    dev1 = _user(sandbox, "dev1")
    post = {
        "title": "发布计划",
        "content": [[{"tag": "text", "text": "周五上线 "}, {"tag": "at", "user_id": dev1}], "junk"],
    }
    sandbox.tenant.add_message(rnd, "post", json.dumps(post, ensure_ascii=False), _user(sandbox, "pm"), 10.0**10)
    pm = user_token(sandbox, "pm@sandbox.example", "search:message")
    titled = (await _search(client, pm, {"query": "发布计划", "at_chatter_ids": [dev1]})).json()["data"]["items"]
    assert len(titled) == 1
    first = (await _search(client, pm, {"query": ""}, page_size=4)).json()["data"]
    assert len(first["items"]) == 4
    assert first["has_more"] is True
    rest = (await _search(client, pm, {"query": ""}, page_size=10, page_token=first["page_token"])).json()["data"]
    assert len(rest["items"]) == 6
    assert rest["has_more"] is False
    assert not set(first["items"]) & set(rest["items"])
    crossed = await _search(client, pm, {"query": "x"}, page_token=first["page_token"])
    assert crossed.json()["code"] == 99992402


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "query"),
        ({"query": 1}, "query"),
        ({"query": "", "message_type": "text"}, "message_type"),
        ({"query": "", "from_type": "robot"}, "from_type"),
        ({"query": "", "chat_type": "group"}, "chat_type"),
        ({"query": "", "start_time": "yesterday"}, "start_time"),
        ({"query": "", "chat_ids": "oc_1"}, "chat_ids"),
    ],
)
async def test_validation(client: httpx2.AsyncClient, sandbox: Sandbox, body: dict[str, object], field: str) -> None:
    pm = user_token(sandbox, "pm@sandbox.example", "search:message")
    answer = (await _search(client, pm, body)).json()
    assert answer["code"] == 99992402
    assert answer["error"]["field_violations"][0]["field"] == field


async def test_user_token_only_and_scoped(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    bot = await tenant_token(client, sandbox)
    assert (await _search(client, bot, {"query": "a"})).json()["code"] == 99991663
    pm = user_token(sandbox, "pm@sandbox.example", "im:message")
    assert (await _search(client, pm, {"query": "a"})).json()["code"] == 99991679


def test_searchable_text_of_odd_content() -> None:
    def message(msg_type: str, content: str) -> Message:
        return Message("om_1", "oc_1", msg_type, content, "ou_1", 0.0)

    assert searchable_text(message("text", "not json")) == ""
    assert searchable_text(message("text", "[1]")) == ""
    assert searchable_text(message("interactive", '{"a": 1}')) == ""
