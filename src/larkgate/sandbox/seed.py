"""The seeded tenant: five roles, their departments, two group chats with history, rooms, calendars, a doc, a base
and tasks. Ids are stable (derived from the app id, like Feishu's per-app open_ids); times are relative to `now`."""

from __future__ import annotations

import json

from larkgate.sandbox.ids import stable_hex
from larkgate.sandbox.seed_calendar import seed_calendar, seed_tasks
from larkgate.sandbox.seed_docs import seed_docs
from larkgate.sandbox.seed_tables import seed_tables
from larkgate.sandbox.tenant import (
    BOT,
    Chat,
    Department,
    Document,
    Tenant,
    User,
)

HOUR = 3600.0
DAY = 24 * HOUR

# (key, email, Chinese name, English name / job title, department key)
ROLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("pm", "pm@sandbox.example", "产品经理", "Product Manager", "product"),
    ("dev1", "dev1@sandbox.example", "研发工程师 1", "R&D Engineer 1", "rnd"),
    ("dev2", "dev2@sandbox.example", "研发工程师 2", "R&D Engineer 2", "rnd"),
    ("ops", "ops@sandbox.example", "运营负责人", "Operations Lead", "ops"),
    ("owner", "owner@sandbox.example", "管理员", "Tenant Admin", "admin"),
)

# (key, Chinese name, English name, leader role)
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("rnd", "研发组", "R&D", "dev1"),
    ("product", "产品组", "Product", "pm"),
    ("ops", "运营组", "Operations", "ops"),
    ("admin", "行政组", "Administration", "owner"),
)

RND_HISTORY: tuple[tuple[str, float, str], ...] = (
    ("pm", 3 * DAY, "登录页改版的需求文档已更新，设计稿在第三节，请大家周三前看一下。"),
    ("dev1", 3 * DAY - HOUR, "收到，我今天下班前把前端任务拆好并给出估时。"),
    ("dev2", 2 * DAY, "The SSO callback API is on staging now. Please try it before the review."),
    ("pm", 2 * DAY - 2 * HOUR, "Review is Thursday 15:00 in Room A. 评审会周四下午三点，会议室 A。"),
    ("dev1", DAY, "单元测试补齐了，覆盖率 92%，CI 已经是绿色。"),
)

ALL_HANDS_HISTORY: tuple[tuple[str, float, str], ...] = (
    ("owner", 5 * DAY, "欢迎加入沙箱租户！This tenant is a sandbox for trying larkgate safely."),
    ("ops", 4 * DAY, "下周一上午十点全员会，请各组准备一页周报。All-hands Monday 10:00, one slide per team."),
    ("dev2", 2 * DAY, "R&D will demo the new sign-in flow at the all-hands."),
    ("pm", DAY + 6 * HOUR, "路线图已放在需求文档里，欢迎在文档里直接评论。"),
)


def _text(text: str) -> str:
    return json.dumps({"text": text}, ensure_ascii=False)


def _users(app_id: str, tenant_key: str, departments: dict[str, str]) -> list[User]:
    users = []
    for number, (key, email, name, en_name, dept) in enumerate(ROLES, start=1):
        users.append(
            User(
                key=key,
                email=email,
                name=name,
                en_name=en_name,
                job_title=en_name,
                open_id="ou_" + stable_hex("open_id", app_id, key),
                union_id="on_" + stable_hex("union_id", tenant_key, key),
                user_id=stable_hex("user_id", tenant_key, key, length=8),
                mobile=f"+861380000{number:04d}",
                employee_no=f"SBX{number:04d}",
                department_ids=[departments[dept]],
                avatar_url=f"https://avatar.sandbox.example/{key}.png",
                is_tenant_manager=key == "owner",
            )
        )
    return users


def _group(tenant: Tenant, name: str, description: str, owner: str, members: list[str], created: float) -> Chat:
    chat = Chat(
        chat_id="oc_" + stable_hex("chat", tenant.tenant_key, name),
        name=name,
        description=description,
        owner_open_id=owner,
        chat_mode="group",
        members=members,
        create_time=created,
        avatar=f"https://avatar.sandbox.example/chat-{stable_hex(name, length=8)}.png",
    )
    tenant.chats[chat.chat_id] = chat
    return chat


def _history(
    tenant: Tenant, chat: Chat, by_key: dict[str, User], lines: tuple[tuple[str, float, str], ...], now: float
) -> None:
    for key, ago, text in lines:
        tenant.add_message(chat.chat_id, "text", _text(text), by_key[key].open_id, now - ago)


def seed_tenant(app_id: str, now: float, name: str = "Sandbox Tenant / 沙箱租户") -> Tenant:
    """Build the seeded tenant for an app; the same app id always yields the same ids."""
    tenant_key = stable_hex("tenant", app_id, length=16)
    tenant = Tenant(tenant_key=tenant_key, name=name)
    dept_ids = {key: stable_hex("department", tenant_key, key, length=16) for key, *_ in DEPARTMENTS}
    tenant.users = _users(app_id, tenant_key, dept_ids)
    by_key = {u.key: u for u in tenant.users}
    for key, dept_name, en_name, leader in DEPARTMENTS:
        tenant.departments.append(
            Department(
                department_id=dept_ids[key],
                open_department_id="od-" + stable_hex("open_department_id", app_id, key),
                name=dept_name,
                en_name=en_name,
                parent_department_id="0",
                leader_open_id=by_key[leader].open_id,
                member_open_ids=[u.open_id for u in tenant.users if u.department_ids == [dept_ids[key]]],
            )
        )
    pm, dev1, dev2, owner = (by_key[k] for k in ("pm", "dev1", "dev2", "owner"))
    rnd = _group(
        tenant,
        "研发组 R&D",
        "研发组日常沟通 · R&D daily channel",
        pm.open_id,
        [pm.open_id, dev1.open_id, dev2.open_id, BOT],
        now - 30 * DAY,
    )
    everyone = _group(
        tenant,
        "全员 All hands",
        "全员通知 · Announcements for everyone",
        owner.open_id,
        [u.open_id for u in tenant.users] + [BOT],
        now - 60 * DAY,
    )
    _history(tenant, everyone, by_key, ALL_HANDS_HISTORY, now)
    _history(tenant, rnd, by_key, RND_HISTORY, now)
    tenant.messages.sort(key=lambda m: m.create_time)
    _seed_workspace(tenant, by_key, now)
    return tenant


def _seed_workspace(tenant: Tenant, by_key: dict[str, User], now: float) -> None:
    key = tenant.tenant_key
    seed_calendar(tenant, by_key, now)
    pm = by_key["pm"].open_id
    tenant.documents.append(
        Document(
            document_id="doxcn" + stable_hex("doc", key, "prd", length=22),
            title="登录页改版需求文档 · Login page redesign PRD",
            owner_open_id=pm,
            paragraphs=[
                "背景：新用户首次登录的流失率偏高。",
                "Goal: one-click sign-in with the company account.",
                "范围：登录页、回调页、错误提示文案。",
            ],
        )
    )
    seed_tables(tenant, by_key, now)
    seed_tasks(tenant, by_key, now)
    seed_docs(tenant, by_key, now)
