from dataclasses import replace

import pytest
from tests.tools.sandbox_ctx import member, new_sandbox

from larkgate.errors import FeishuScopeError, InputError, NotFoundError
from larkgate.sandbox import Sandbox
from larkgate.tools.people import ResolvedUser, classify, resolve_user, resolve_users

SEARCH = ("contact:user:search",)
FULL = ("contact:user:search", "contact:contact.base:readonly", "contact:user.email:readonly")


@pytest.fixture
def sandbox() -> Sandbox:
    return new_sandbox()


def open_id(sandbox: Sandbox, key: str) -> str:
    return next(u.open_id for u in sandbox.tenant.users if u.key == key)


@pytest.mark.parametrize(
    ("who", "kind", "value"),
    [
        ("dev1@sandbox.example", "email", "dev1@sandbox.example"),
        ("  DEV1@Sandbox.Example ", "email", "dev1@sandbox.example"),
        ("研发工程师 1 <dev1@sandbox.example>", "email", "dev1@sandbox.example"),
        ("ou_abc123", "open_id", "ou_abc123"),
        ("me", "me", "me"),
        ("我", "me", "我"),
        ("Myself", "me", "Myself"),
        ("产品经理", "name", "产品经理"),
        ("@产品经理", "name", "产品经理"),
        ("R&D   Engineer\t1", "name", "R&D Engineer 1"),
    ],
)
def test_classify(who: str, kind: str, value: str) -> None:
    assert classify(who) == (kind, value)


@pytest.mark.parametrize("who", ["", "   ", "ou_../etc", "a@b", "x" * 200, "bad\x00name", "on_123", "oc_abc"])
def test_classify_refuses_what_cannot_be_a_person(who: str) -> None:
    with pytest.raises(InputError):
        classify(who)


async def test_open_id_passes_through_without_a_call(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", ()) as ctx:
        found = await resolve_user(ctx, "ou_0123abc")
    assert found == ResolvedUser("ou_0123abc")
    assert ctx.calls == []


async def test_me_is_the_signed_in_member(sandbox: Sandbox) -> None:
    async with member(sandbox, "ops@sandbox.example", ()) as ctx:
        found = await resolve_user(ctx, "me")
    assert found == ResolvedUser(open_id(sandbox, "ops"), "运营负责人", "ops@sandbox.example")


async def test_email_resolves_through_people_search(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        found = await resolve_user(ctx, "DEV2@sandbox.example")
    assert found == ResolvedUser(open_id(sandbox, "dev2"), "研发工程师 2", "dev2@sandbox.example")
    assert ctx.calls == [("GET", "/open-apis/search/v1/user")]


async def test_unknown_email_and_name_are_not_found(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        with pytest.raises(NotFoundError, match=r"nobody@sandbox\.example"):
            await resolve_user(ctx, "nobody@sandbox.example")
        with pytest.raises(NotFoundError, match="'Nobody Here'"):
            await resolve_user(ctx, "Nobody Here")


@pytest.mark.parametrize(
    ("who", "key"),
    [("产品经理", "pm"), ("研发工程师 1", "dev1"), ("operations", "ops"), ("Tenant Admin", "owner"), ("管理", "owner")],
)
async def test_exact_or_unique_names(sandbox: Sandbox, who: str, key: str) -> None:
    async with member(sandbox, "dev1@sandbox.example", SEARCH) as ctx:
        found = await resolve_user(ctx, who)
    assert found.open_id == open_id(sandbox, key)
    assert found.name


async def test_ambiguous_name_lists_candidates_with_emails(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", FULL) as ctx:
        with pytest.raises(InputError) as raised:
            await resolve_user(ctx, "研发工程师")
    message = raised.value.message
    assert not isinstance(raised.value, NotFoundError)
    assert "研发工程师 1 <dev1@sandbox.example>" in message
    assert "研发工程师 2 <dev2@sandbox.example>" in message
    assert open_id(sandbox, "dev1") in message
    assert "by email or open_id" in message


async def test_ambiguity_without_contact_scopes_still_lists_names(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        with pytest.raises(InputError) as raised:
            await resolve_user(ctx, "engineer")
    assert "研发工程师 1 (ou_" in raised.value.message
    assert "@" not in raised.value.message


async def test_exact_name_wins_over_partial_matches(sandbox: Sandbox) -> None:
    dev1 = next(u for u in sandbox.tenant.users if u.key == "dev1")
    dev1.name = "研发工程师"  # now one exact match and one partial match
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        found = await resolve_user(ctx, "研发工程师")
    assert found.open_id == dev1.open_id


async def test_many_matches_say_there_are_more(sandbox: Sandbox) -> None:
    extra = replace(sandbox.tenant.users[0], key="pm2", email="pm2@sandbox.example", open_id="ou_pm2")
    sandbox.tenant.users.append(extra)
    for user in sandbox.tenant.users:
        user.name = f"同名 {user.key}"
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        with pytest.raises(InputError, match="and more"):
            await resolve_user(ctx, "同名")


async def test_email_shared_by_several_hits_is_told_apart_by_the_directory(sandbox: Sandbox) -> None:
    ops = next(u for u in sandbox.tenant.users if u.key == "ops")
    ops.en_name = "dev2@sandbox.example"  # a display name that happens to be another member's email
    async with member(sandbox, "pm@sandbox.example", FULL) as ctx:
        found = await resolve_user(ctx, "dev2@sandbox.example")
    assert found.open_id == open_id(sandbox, "dev2")
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        with pytest.raises(InputError, match="matches several members"):
            await resolve_user(ctx, "dev2@sandbox.example")


async def test_missing_search_scope_propagates_for_the_sign_in_link(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", ()) as ctx:
        with pytest.raises(FeishuScopeError) as raised:
            await resolve_user(ctx, "产品经理")
        with pytest.raises(FeishuScopeError):
            await resolve_users(ctx, ["ou_abc", "产品经理"])
    assert raised.value.code == 99991679
    assert raised.value.scopes == ("contact:user:search",)


async def test_resolve_users_dedupes_and_keeps_order(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        found = await resolve_users(ctx, ["dev2@sandbox.example", "me", "研发工程师 2", open_id(sandbox, "ops")])
    assert [u.open_id for u in found] == [open_id(sandbox, k) for k in ("dev2", "pm", "ops")]


async def test_resolve_users_reports_every_failure(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", SEARCH) as ctx:
        with pytest.raises(NotFoundError) as unknown:
            await resolve_users(ctx, ["ghost@sandbox.example", "Nobody Here", "me"])
        with pytest.raises(InputError) as mixed:
            await resolve_users(ctx, ["ghost@sandbox.example", "engineer"])
        with pytest.raises(InputError, match="at most 50"):
            await resolve_users(ctx, ["me"] * 51)
    assert "ghost@sandbox.example" in unknown.value.message
    assert "Nobody Here" in unknown.value.message
    assert not isinstance(mixed.value, NotFoundError)
    assert "matches several members" in mixed.value.message


def test_label() -> None:
    assert ResolvedUser("ou_1", "A", "a@x.example").label() == "A <a@x.example>"
    assert ResolvedUser("ou_1").label() == "ou_1"
