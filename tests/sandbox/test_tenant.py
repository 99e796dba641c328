import re

from larkgate.sandbox import SandboxConfig
from larkgate.sandbox.seed import seed_tenant
from larkgate.sandbox.tenant import BOT

NOW = 1_750_000_000.0


def test_seeded_roles_have_the_contract_emails_and_stable_ids() -> None:
    tenant = seed_tenant(SandboxConfig().app_id, NOW)
    assert [u.email for u in tenant.users] == [
        "pm@sandbox.example",
        "dev1@sandbox.example",
        "dev2@sandbox.example",
        "ops@sandbox.example",
        "owner@sandbox.example",
    ]
    assert [(u.en_name, u.name) for u in tenant.users] == [
        ("Product Manager", "产品经理"),
        ("R&D Engineer 1", "研发工程师 1"),
        ("R&D Engineer 2", "研发工程师 2"),
        ("Operations Lead", "运营负责人"),
        ("Tenant Admin", "管理员"),
    ]
    for user in tenant.users:
        assert re.fullmatch(r"ou_[0-9a-f]{32}", user.open_id)
        assert re.fullmatch(r"on_[0-9a-f]{32}", user.union_id)
        assert re.fullmatch(r"[0-9a-f]{8}", user.user_id)
    again = seed_tenant(SandboxConfig().app_id, NOW + 999)
    assert [u.open_id for u in again.users] == [u.open_id for u in tenant.users]
    assert list(again.chats) == list(tenant.chats)
    assert [m.message_id for m in again.messages] == [m.message_id for m in tenant.messages]
    other_app = seed_tenant("cli_other", NOW)
    assert other_app.users[0].open_id != tenant.users[0].open_id  # open_ids are per app, like Feishu's


def test_departments_chats_and_workspace() -> None:
    tenant = seed_tenant("cli_x", NOW)
    by_key = {u.key: u for u in tenant.users}
    rnd = next(d for d in tenant.departments if d.en_name == "R&D")
    assert rnd.name == "研发组"
    assert rnd.member_open_ids == [by_key["dev1"].open_id, by_key["dev2"].open_id]
    chats = {c.name: c for c in tenant.chats.values()}
    assert set(chats["研发组 R&D"].members) == {by_key[k].open_id for k in ("pm", "dev1", "dev2")} | {BOT}
    assert set(chats["全员 All hands"].members) == {u.open_id for u in tenant.users} | {BOT}
    for chat in chats.values():
        history = tenant.messages_in(chat.chat_id)
        assert len(history) >= 4
        assert history == sorted(history, key=lambda m: m.create_time)
        assert all(m.create_time < NOW for m in history)
    assert len(tenant.rooms) == 3
    assert len(tenant.calendars) == len(tenant.users)
    assert tenant.events[0].room_id == tenant.rooms[0].room_id
    assert tenant.documents[0].title.endswith("PRD")
    assert tenant.bases[0].tables[0].records
    assert {t.assignee_open_ids[0] for t in tenant.tasks} == {by_key["dev1"].open_id, by_key["ops"].open_id}


def test_lookups() -> None:
    tenant = seed_tenant("cli_x", NOW)
    dev1 = tenant.users[1]
    assert tenant.user_by_email(" DEV1@sandbox.example ") is dev1
    assert tenant.user_by_mobile(dev1.mobile) is dev1
    assert tenant.user_by_mobile(dev1.mobile.removeprefix("+86")) is dev1
    assert tenant.user_by_mobile("+8600000000000") is None
    assert tenant.user_by_id("union_id", dev1.union_id) is dev1
    assert [c.name for c in tenant.groups_of(BOT)] == ["全员 All hands", "研发组 R&D"]
    chat = tenant.p2p_chat(dev1.open_id, BOT, NOW)
    assert tenant.p2p_chat(BOT, dev1.open_id, NOW + 1) is chat
    assert chat.chat_id.startswith("oc_")
    message = tenant.add_message(chat.chat_id, "text", '{"text":"hi"}', BOT, NOW)
    assert tenant.messages_in(chat.chat_id) == [message]
