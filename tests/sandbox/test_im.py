import json

import httpx2
import pytest

from larkgate.clock import FakeClock
from larkgate.sandbox import Sandbox, SandboxConfig
from larkgate.sandbox.config import DEFAULT_ENABLED_SCOPES

from .helpers import REDIRECT, bearer, tenant_token, user_token

MESSAGES = "/open-apis/im/v1/messages"
CHATS = "/open-apis/im/v1/chats"
ALL_IM = ("im:message", "im:message.send_as_user", "im:chat:readonly")


def _chat_id(sandbox: Sandbox, name_part: str) -> str:
    return next(c.chat_id for c in sandbox.tenant.chats.values() if name_part in c.name)


def _user(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


async def _send(
    client: httpx2.AsyncClient, token: str, receive_id_type: str, receive_id: str, text: str = "hello", **over: object
) -> httpx2.Response:
    body: dict[str, object] = {
        "receive_id": receive_id,
        "msg_type": "text",
        "content": json.dumps({"text": text}),
    }
    body.update(over)
    return await client.post(MESSAGES, params={"receive_id_type": receive_id_type}, json=body, headers=bearer(token))


async def _history(client: httpx2.AsyncClient, token: str, chat_id: str, **params: object) -> httpx2.Response:
    query: dict[str, object] = {"container_id_type": "chat", "container_id": chat_id, **params}
    return await client.get(MESSAGES, params=query, headers=bearer(token))  # type: ignore[arg-type]


async def test_user_sends_to_a_group_and_reads_it_back(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    rnd = _chat_id(sandbox, "R&D")
    sent = await _send(client, token, "chat_id", rnd, "评审改到周五 · Review moved to Friday")
    assert sent.status_code == 200
    message = sent.json()["data"]
    assert message["message_id"].startswith("om_")
    assert message["chat_id"] == rnd
    assert message["msg_type"] == "text"
    assert message["create_time"] == str(int(sandbox.config.clock.now() * 1000))
    assert message["sender"] == {
        "id": _user(sandbox, "pm"),
        "id_type": "open_id",
        "sender_type": "user",
        "tenant_key": sandbox.tenant.tenant_key,
    }
    assert json.loads(message["body"]["content"]) == {"text": "评审改到周五 · Review moved to Friday"}
    history = (await _history(client, token, rnd)).json()["data"]
    assert history["has_more"] is False
    assert "page_token" not in history
    assert history["items"][-1]["message_id"] == message["message_id"]
    assert len(history["items"]) == 6
    assert all(item["sender"]["sender_type"] == "user" for item in history["items"])


async def test_direct_message_opens_a_p2p_chat_once(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "ops@sandbox.example", *ALL_IM)
    first = (await _send(client, token, "email", "DEV2@sandbox.example")).json()["data"]
    second = (await _send(client, token, "open_id", _user(sandbox, "dev2"))).json()["data"]
    dev2 = next(u for u in sandbox.tenant.users if u.key == "dev2")
    third = (await _send(client, token, "union_id", dev2.union_id)).json()["data"]
    fourth = (await _send(client, token, "user_id", dev2.user_id)).json()["data"]
    assert first["chat_id"] == second["chat_id"] == third["chat_id"] == fourth["chat_id"]
    chat = sandbox.tenant.chats[first["chat_id"]]
    assert chat.chat_mode == "p2p"
    assert sorted(chat.members) == sorted([_user(sandbox, "ops"), dev2.open_id])
    dev2_token = user_token(sandbox, "dev2@sandbox.example", *ALL_IM)
    history = (await _history(client, dev2_token, first["chat_id"])).json()["data"]
    assert len(history["items"]) == 4
    chats = (await client.get(CHATS, headers=bearer(dev2_token))).json()["data"]["items"]
    assert first["chat_id"] not in {c["chat_id"] for c in chats}  # the chat list holds groups only


async def test_bot_sends_with_a_tenant_token(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = await tenant_token(client, sandbox)
    group = (await _send(client, token, "chat_id", _chat_id(sandbox, "All hands"))).json()["data"]
    assert group["sender"] == {
        "id": sandbox.config.app_id,
        "id_type": "app_id",
        "sender_type": "app",
        "tenant_key": sandbox.tenant.tenant_key,
    }
    direct = (await _send(client, token, "email", "owner@sandbox.example")).json()["data"]
    assert sandbox.tenant.chats[direct["chat_id"]].chat_mode == "p2p"
    history = (await _history(client, token, direct["chat_id"])).json()["data"]
    assert history["items"][0]["sender"]["sender_type"] == "app"


async def test_not_being_in_the_chat_is_230002(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    ops = user_token(sandbox, "ops@sandbox.example", *ALL_IM)
    rnd = _chat_id(sandbox, "R&D")
    sent = await _send(client, ops, "chat_id", rnd)
    assert sent.status_code == 400
    assert sent.json()["code"] == 230002
    assert (await _history(client, ops, rnd)).json()["code"] == 230002
    pm = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    p2p = (await _send(client, pm, "email", "dev1@sandbox.example")).json()["data"]["chat_id"]
    bot = await tenant_token(client, sandbox)
    refused = await _send(client, bot, "chat_id", p2p)
    assert refused.json() == {
        "code": 230002,
        "msg": "The bot can not be outside the group.",
        "error": refused.json()["error"],
    }


@pytest.mark.parametrize(
    ("receive_id_type", "receive_id"),
    [
        ("open_id", "ou_nobody"),
        ("union_id", "on_nobody"),
        ("user_id", "nobody"),
        ("email", "ceo@elsewhere.example"),
        ("chat_id", "oc_nowhere"),
    ],
)
async def test_unknown_receivers_are_230034(
    client: httpx2.AsyncClient, sandbox: Sandbox, receive_id_type: str, receive_id: str
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    answer = await _send(client, token, receive_id_type, receive_id)
    assert answer.status_code == 400
    assert answer.json()["code"] == 230034


@pytest.mark.parametrize(
    ("params", "over", "field"),
    [
        ({}, {}, "receive_id_type"),
        ({"receive_id_type": "phone"}, {}, "receive_id_type"),
        ({"receive_id_type": "chat_id"}, {"receive_id": None}, "receive_id"),
        ({"receive_id_type": "chat_id"}, {"receive_id": 42}, "receive_id"),
        ({"receive_id_type": "chat_id"}, {"receive_id": ""}, "receive_id"),
        ({"receive_id_type": "chat_id"}, {"msg_type": "hologram"}, "msg_type"),
        ({"receive_id_type": "chat_id"}, {"content": {"text": "not a string"}}, "content"),
        ({"receive_id_type": "chat_id"}, {"uuid": "u" * 51}, "uuid"),
        ({"receive_id_type": "chat_id"}, {"content": "x" * 200_001}, "content"),
    ],
)
async def test_send_field_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, params: dict[str, str], over: dict[str, object], field: str
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    body: dict[str, object] = {
        "receive_id": _chat_id(sandbox, "R&D"),
        "msg_type": "text",
        "content": '{"text": "hi"}',
    } | over
    answer = await client.post(MESSAGES, params=params, json=body, headers=bearer(token))
    assert answer.status_code == 400
    payload = answer.json()
    assert payload["code"] == 99992402
    assert payload["error"]["field_violations"][0]["field"] == field
    assert len(payload["error"]["field_violations"][0]["value"]) <= 200


@pytest.mark.parametrize(
    ("msg_type", "content", "code"),
    [
        ("text", "not json", 230001),
        ("text", "[" * 150_000, 230001),
        ("text", "[1, 2]", 230001),
        ("text", '{"text": ""}', 230001),
        ("text", '{"text": 5}', 230001),
        ("text", json.dumps({"text": "长" * 60_000}, ensure_ascii=False), 230025),
        ("post", json.dumps({"zh_cn": {"content": [[{"tag": "text", "text": "x" * 31_000}]]}}), 230025),
        ("post", "{}", 230001),
        ("post", '{"post": []}', 230001),
        ("post", '{"zh_cn": "text"}', 230001),
        ("post", '{"zh_cn": {"title": 1, "content": [[]]}}', 230001),
        ("post", '{"zh_cn": {"content": []}}', 230001),
        ("post", '{"zh_cn": {"content": ["para"]}}', 230001),
        ("post", '{"zh_cn": {"content": [[{"tag": "iframe"}]]}}', 230001),
        ("image", '{"image_key": "img_x"}', 230001),
        ("file", '{"file_key": "file_x"}', 230001),
        ("system", '{"type": "divider"}', 230001),
        ("interactive", "{}", 230001),
        ("share_chat", '{"chat_id": "oc_nowhere"}', 230001),
        ("share_chat", '{"chat_id": {"a": 1}}', 230001),
        ("share_user", '{"user_id": "ou_nobody"}', 230001),
    ],
)
async def test_content_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, msg_type: str, content: str, code: int
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    answer = await _send(client, token, "chat_id", _chat_id(sandbox, "R&D"), msg_type=msg_type, content=content)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == code
    if code == 230001:
        assert answer.json()["msg"].startswith("Your request contains an invalid request parameter, ext=")


async def test_rich_content_types_are_accepted(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    rnd = _chat_id(sandbox, "R&D")
    paragraph = [{"tag": "text", "text": "第一行"}, {"tag": "a", "href": "https://example.com", "text": "link"}]
    cases = {
        "post": {"en_us": {"title": "Hi", "content": [paragraph]}, "zh_cn": {"title": "你好", "content": [paragraph]}},
        "interactive": {"elements": [{"tag": "markdown", "content": "**ok**"}]},
        "share_chat": {"chat_id": rnd},
        "share_user": {"user_id": _user(sandbox, "dev1")},
    }
    for msg_type, content in cases.items():
        answer = await _send(client, token, "chat_id", rnd, msg_type=msg_type, content=json.dumps(content))
        assert answer.json()["code"] == 0, answer.text
    wrapped = {"post": {"en_us": {"content": [paragraph]}}}
    answer = await _send(client, token, "chat_id", rnd, msg_type="post", content=json.dumps(wrapped))
    stored = json.loads(answer.json()["data"]["body"]["content"])
    assert stored == {"title": "", "content": [paragraph]}
    items = (await _history(client, token, rnd)).json()["data"]["items"]
    assert json.loads(items[-5]["body"]["content"])["title"] == "你好"  # zh_cn wins when present


async def test_hostile_text_round_trips_unchanged(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    hostile = "<script>alert(1)</script>\u202e\x00'\"; DROP TABLE messages; --"
    answer = await _send(client, token, "chat_id", _chat_id(sandbox, "R&D"), hostile)
    assert json.loads(answer.json()["data"]["body"]["content"])["text"] == hostile


async def test_uuid_deduplicates_within_an_hour(client: httpx2.AsyncClient, sandbox: Sandbox, clock: FakeClock) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    rnd = _chat_id(sandbox, "R&D")
    first = (await _send(client, token, "chat_id", rnd, uuid="req-1")).json()["data"]
    again = (await _send(client, token, "chat_id", rnd, "different", uuid="req-1")).json()["data"]
    assert again["message_id"] == first["message_id"]
    clock.advance(3600)
    later = (await _send(client, token, "chat_id", rnd, uuid="req-1")).json()["data"]
    assert later["message_id"] != first["message_id"]
    assert len(sandbox.tenant.messages_in(rnd)) == 7


async def test_bad_bodies(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    url = MESSAGES + "?receive_id_type=chat_id"
    for content in (b"{oops", b'"a string"', b"\xff\xfe\xfd", b'{"a":' * 100_000):
        answer = await client.post(url, content=content, headers=bearer(token))
        assert answer.status_code == 400
        assert answer.json()["code"] == 9499
    huge = await client.post(url, content=b"{" + b" " * 1_100_000 + b"}", headers=bearer(token))
    assert huge.status_code == 413
    assert huge.json()["code"] == 9499
    empty = await client.post(url, content=b"", headers=bearer(token))
    assert empty.json()["code"] == 99992402


async def test_history_pagination_sorting_and_time_filters(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev1@sandbox.example", *ALL_IM)
    rnd = _chat_id(sandbox, "R&D")
    seen: list[str] = []
    params: dict[str, object] = {"page_size": 2}
    while True:
        data = (await _history(client, token, rnd, **params)).json()["data"]
        seen.extend(item["message_id"] for item in data["items"])
        if not data["has_more"]:
            assert "page_token" not in data
            break
        params["page_token"] = data["page_token"]
    assert seen == [m.message_id for m in sandbox.tenant.messages_in(rnd)]
    newest_first = (await _history(client, token, rnd, sort_type="ByCreateTimeDesc")).json()["data"]["items"]
    assert [i["message_id"] for i in newest_first] == list(reversed(seen))
    now = sandbox.config.clock.now()
    recent = (await _history(client, token, rnd, start_time=int(now - 2.5 * 86400))).json()["data"]["items"]
    assert len(recent) == 3
    older = (await _history(client, token, rnd, end_time=int(now - 2.5 * 86400))).json()["data"]["items"]
    assert len(older) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 51}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
        ({"page_token": "!!!"}, "page_token"),
        ({"page_token": "bm9wZQ"}, "page_token"),
        ({"page_token": "\u00e9"}, "page_token"),
        ({"sort_type": "ByMood"}, "sort_type"),
        ({"start_time": "yesterday"}, "start_time"),
        ({"end_time": -1}, "end_time"),
        ({"container_id": ""}, "container_id"),
        ({"container_id_type": ""}, "container_id_type"),
    ],
)
async def test_history_parameter_validation(
    client: httpx2.AsyncClient, sandbox: Sandbox, params: dict[str, object], field: str
) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    answer = await _history(client, token, _chat_id(sandbox, "R&D"), **params)
    assert answer.status_code == 400
    assert answer.json()["code"] == 99992402
    assert answer.json()["error"]["field_violations"][0]["field"] == field


async def test_page_tokens_do_not_cross_chats(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    data = (await _history(client, token, _chat_id(sandbox, "R&D"), page_size=1)).json()["data"]
    other = await _history(client, token, _chat_id(sandbox, "All hands"), page_token=data["page_token"])
    assert other.json()["code"] == 99992402


async def test_history_of_unknown_containers(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    assert (await _history(client, token, "oc_nowhere")).json()["code"] == 230001
    thread = await _history(client, token, "omt_1", container_id_type="thread")
    assert thread.json()["code"] == 230001


async def test_bot_group_history_needs_group_msg_scope(clock: FakeClock) -> None:
    enabled = DEFAULT_ENABLED_SCOPES - {"im:message.group_msg"}
    sandbox = Sandbox(SandboxConfig(clock=clock, redirect_uris=[REDIRECT], enabled_scopes=enabled))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        bot = await tenant_token(client, sandbox)
        answer = await _history(client, bot, _chat_id(sandbox, "R&D"))
        assert answer.json()["code"] == 99991672
        assert answer.json()["error"]["permission_violations"] == [
            {"type": "action_scope_required", "subject": "im:message.group_msg"}
        ]
        p2p = (await _send(client, bot, "email", "pm@sandbox.example")).json()["data"]["chat_id"]
        assert (await _history(client, bot, p2p)).json()["code"] == 0


async def test_chat_list_for_users_and_the_bot(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    pm = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    chats = (await client.get(CHATS, headers=bearer(pm))).json()["data"]
    assert [c["name"] for c in chats["items"]] == ["全员 All hands", "研发组 R&D"]
    assert chats["has_more"] is False
    first = chats["items"][0]
    assert set(first) == {
        "chat_id",
        "avatar",
        "name",
        "description",
        "owner_id",
        "owner_id_type",
        "external",
        "tenant_key",
        "chat_status",
    }
    assert first["owner_id"] == _user(sandbox, "owner")
    assert first["owner_id_type"] == "open_id"
    assert first["chat_status"] == "normal"
    ops = user_token(sandbox, "ops@sandbox.example", *ALL_IM)
    assert [c["name"] for c in (await client.get(CHATS, headers=bearer(ops))).json()["data"]["items"]] == [
        "全员 All hands"
    ]
    bot = await tenant_token(client, sandbox)
    assert len((await client.get(CHATS, headers=bearer(bot))).json()["data"]["items"]) == 2


async def test_chat_list_paging_sorting_and_id_types(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    pm = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    page1 = (await client.get(CHATS, params={"page_size": 1}, headers=bearer(pm))).json()["data"]
    assert page1["has_more"] is True
    params = {"page_size": 1, "page_token": page1["page_token"]}
    page2 = (await client.get(CHATS, params=params, headers=bearer(pm))).json()["data"]
    assert page2["has_more"] is False
    assert [page1["items"][0]["name"], page2["items"][0]["name"]] == ["全员 All hands", "研发组 R&D"]
    active = (await client.get(CHATS, params={"sort_type": "ByActiveTimeDesc"}, headers=bearer(pm))).json()["data"]
    assert [c["name"] for c in active["items"]] == ["研发组 R&D", "全员 All hands"]
    by_user_id = (await client.get(CHATS, params={"user_id_type": "user_id"}, headers=bearer(pm))).json()["data"]
    owner = next(u for u in sandbox.tenant.users if u.key == "owner")
    assert by_user_id["items"][0]["owner_id"] == owner.user_id
    assert by_user_id["items"][0]["owner_id_type"] == "user_id"
    for bad in ({"page_size": 101}, {"user_id_type": "email"}, {"sort_type": "ByName"}):
        assert (await client.get(CHATS, params=bad, headers=bearer(pm))).json()["code"] == 99992402


async def test_chat_whose_owner_left_has_an_empty_owner_id(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    sandbox.tenant.chats[_chat_id(sandbox, "R&D")].owner_open_id = "ou_departed"
    pm = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    items = (await client.get(CHATS, headers=bearer(pm))).json()["data"]["items"]
    assert items[1]["owner_id"] == ""


async def _reply(client: httpx2.AsyncClient, token: str, message_id: str, text: str, **over: object) -> httpx2.Response:
    body: dict[str, object] = {"msg_type": "text", "content": json.dumps({"text": text}), **over}
    return await client.post(f"{MESSAGES}/{message_id}/reply", json=body, headers=bearer(token))


async def test_reply_and_reply_in_thread(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    token = user_token(sandbox, "dev2@sandbox.example", *ALL_IM)
    rnd = _chat_id(sandbox, "R&D")
    root = sandbox.tenant.messages_in(rnd)[0]
    plain = (await _reply(client, token, root.message_id, "收到")).json()["data"]
    assert plain["chat_id"] == rnd
    assert plain["parent_id"] == plain["root_id"] == root.message_id
    assert "thread_id" not in plain
    nested = (await _reply(client, token, plain["message_id"], "补充")).json()["data"]
    assert nested["parent_id"] == plain["message_id"]
    assert nested["root_id"] == root.message_id
    threaded = (await _reply(client, token, root.message_id, "在话题里", reply_in_thread=True)).json()["data"]
    assert threaded["thread_id"].startswith("omt_")
    again = (await _reply(client, token, root.message_id, "继续", reply_in_thread=False)).json()["data"]
    assert again["thread_id"] == threaded["thread_id"]  # a message with a topic keeps its replies in it
    assert root.thread_id == threaded["thread_id"]
    chat = (await _history(client, token, rnd, page_size=50)).json()["data"]["items"]
    ids = [m["message_id"] for m in chat]
    assert root.message_id in ids
    assert plain["message_id"] in ids
    assert threaded["message_id"] not in ids
    assert again["message_id"] not in ids
    topic = (await _history(client, token, threaded["thread_id"], container_id_type="thread")).json()["data"]
    assert [m["message_id"] for m in topic["items"]] == [root.message_id, threaded["message_id"], again["message_id"]]


async def test_reply_errors_and_dedup(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    rnd_first = sandbox.tenant.messages_in(_chat_id(sandbox, "R&D"))[0].message_id
    outsider = user_token(sandbox, "ops@sandbox.example", *ALL_IM)
    assert (await _reply(client, outsider, rnd_first, "hi")).json()["code"] == 230002
    token = user_token(sandbox, "pm@sandbox.example", *ALL_IM)
    unknown = (await _reply(client, token, "om_nowhere", "hi")).json()
    assert unknown["code"] == 230001
    assert "invalid message_id" in unknown["msg"]
    bad_flag = await _reply(client, token, rnd_first, "hi", reply_in_thread="yes")
    assert bad_flag.json()["error"]["field_violations"][0]["field"] == "reply_in_thread"
    first = (await _reply(client, token, rnd_first, "once", uuid="r-1")).json()["data"]
    second = (await _reply(client, token, rnd_first, "once", uuid="r-1")).json()["data"]
    assert first["message_id"] == second["message_id"]
    reader = user_token(sandbox, "pm@sandbox.example", "im:message")
    assert (await _reply(client, reader, rnd_first, "hi")).json()["code"] == 99991679


async def test_get_one_message(client: httpx2.AsyncClient, sandbox: Sandbox) -> None:
    message = sandbox.tenant.messages_in(_chat_id(sandbox, "All hands"))[0]
    token = user_token(sandbox, "ops@sandbox.example", "im:message:readonly", "im:message.group_msg:get_as_user")
    items = (await client.get(f"{MESSAGES}/{message.message_id}", headers=bearer(token))).json()["data"]["items"]
    assert [(m["message_id"], m["body"]["content"]) for m in items] == [(message.message_id, message.content)]
    assert (await client.get(f"{MESSAGES}/om_nowhere", headers=bearer(token))).json()["code"] == 230001
    rnd_message = sandbox.tenant.messages_in(_chat_id(sandbox, "R&D"))[0]
    assert (await client.get(f"{MESSAGES}/{rnd_message.message_id}", headers=bearer(token))).json()["code"] == 230002


async def test_reading_a_message_as_a_user_needs_the_chat_kinds_scope(clock: FakeClock) -> None:
    enabled = DEFAULT_ENABLED_SCOPES - {"im:message.p2p_msg:get_as_user"}
    sandbox = Sandbox(SandboxConfig(clock=clock, redirect_uris=[REDIRECT], enabled_scopes=enabled))
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=sandbox.app()), base_url="http://s") as client:
        group_message = sandbox.tenant.messages_in(_chat_id(sandbox, "All hands"))[0].message_id
        reader = user_token(sandbox, "ops@sandbox.example", "im:message")
        refused = (await client.get(f"{MESSAGES}/{group_message}", headers=bearer(reader))).json()
        assert refused["code"] == 99991679
        assert refused["error"]["permission_violations"][0]["subject"] == "im:message.group_msg:get_as_user"
        sender = user_token(sandbox, "ops@sandbox.example", *ALL_IM, "im:message.group_msg:get_as_user")
        direct = (await _send(client, sender, "email", "pm@sandbox.example")).json()["data"]["message_id"]
        not_enabled = (await client.get(f"{MESSAGES}/{direct}", headers=bearer(sender))).json()
        assert not_enabled["code"] == 99991672
        bot = await tenant_token(client, sandbox)
        assert (await client.get(f"{MESSAGES}/{group_message}", headers=bearer(bot))).json()["code"] == 0
