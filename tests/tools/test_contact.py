import pytest
from tests.tools.sandbox_ctx import member, new_sandbox

from larkgate.errors import FeishuScopeError, InputError, NotFoundError
from larkgate.sandbox import Sandbox
from larkgate.tools.contact import GetUserInput, SearchUserInput, get_user, search_user, status_of

PROFILE = ("contact:contact.base:readonly", "contact:user:search", "contact:user.email:readonly")


@pytest.fixture
def sandbox() -> Sandbox:
    return new_sandbox()


async def test_search_by_name_email_and_phone(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", PROFILE) as ctx:
        by_name = await search_user(ctx, SearchUserInput(query="研发"))
        by_email = await search_user(ctx, SearchUserInput(query="ops@sandbox.example"))
        by_phone = await search_user(ctx, SearchUserInput(query="13800000005"))
    assert [(u.name, u.email) for u in by_name.users] == [
        ("研发工程师 1", "dev1@sandbox.example"),
        ("研发工程师 2", "dev2@sandbox.example"),
    ]
    assert by_name.has_more is False
    assert by_name.next_page_token is None
    assert [u.email for u in by_email.users] == ["ops@sandbox.example"]
    assert [u.name for u in by_phone.users] == ["管理员"]


async def test_search_pages_and_works_without_email_scopes(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", ("contact:user:search",)) as ctx:
        first = await search_user(ctx, SearchUserInput(query="engineer", page_size=1))
        assert first.has_more is True
        assert first.next_page_token
        more = SearchUserInput(query="engineer", page_size=1, page_token=first.next_page_token)
        second = await search_user(ctx, more)
        empty = await search_user(ctx, SearchUserInput(query="nobody at all"))
    assert [u.name for u in first.users + second.users] == ["研发工程师 1", "研发工程师 2"]
    assert first.users[0].email is None
    assert second.has_more is False
    assert empty.users == []
    assert ("GET", "/open-apis/contact/v3/users/batch") not in ctx.calls[-1:]


async def test_get_user_by_name_email_open_id_and_me(sandbox: Sandbox) -> None:
    ops = next(u for u in sandbox.tenant.users if u.key == "ops")
    ops.time_zone = "Europe/London"
    async with member(sandbox, "pm@sandbox.example", PROFILE) as ctx:
        by_name = await get_user(ctx, GetUserInput(user="运营负责人"))
        by_email = await get_user(ctx, GetUserInput(user="ops@sandbox.example"))
        by_id = await get_user(ctx, GetUserInput(user=ops.open_id))
        me = await get_user(ctx, GetUserInput(user="me"))
    assert by_name == by_email == by_id
    assert by_name.model_dump(exclude_none=True) == {
        "open_id": ops.open_id,
        "name": "运营负责人",
        "en_name": "Operations Lead",
        "email": "ops@sandbox.example",
        "job_title": "Operations Lead",
        "departments": [{"id": by_name.departments[0].id, "name": "运营组"}],
        "status": "active",
        "time_zone": "Europe/London",
    }
    assert by_name.departments[0].id.startswith("od-")
    assert me.email == "pm@sandbox.example"
    assert me.departments[0].name == "产品组"


async def test_get_user_degrades_without_optional_scopes(sandbox: Sandbox) -> None:
    dev1 = next(u for u in sandbox.tenant.users if u.key == "dev1")
    async with member(sandbox, "pm@sandbox.example", ("contact:contact:readonly",)) as ctx:
        profile = await get_user(ctx, GetUserInput(user=dev1.open_id))
    assert profile.email is None
    assert profile.departments[0].name is None  # departments/batch needs contact.base; ids are still given


async def test_get_user_errors(sandbox: Sandbox) -> None:
    async with member(sandbox, "pm@sandbox.example", PROFILE) as ctx:
        with pytest.raises(NotFoundError, match="ou_ghost"):
            await get_user(ctx, GetUserInput(user="ou_ghost"))
        with pytest.raises(NotFoundError):
            await get_user(ctx, GetUserInput(user="ghost@sandbox.example"))
        with pytest.raises(InputError, match="matches several members"):
            await get_user(ctx, GetUserInput(user="研发"))
    async with member(sandbox, "pm@sandbox.example", ("contact:user:search",)) as ctx:
        with pytest.raises(FeishuScopeError) as raised:
            await get_user(ctx, GetUserInput(user="产品经理"))
    assert raised.value.code == 99991679
    assert "contact:contact.base:readonly" in raised.value.scopes


@pytest.mark.parametrize(
    ("status", "word"),
    [
        ({"is_activated": True}, "active"),
        ({"is_activated": True, "is_frozen": True}, "frozen"),
        ({"is_resigned": True, "is_frozen": True}, "resigned"),
        ({"is_exited": True}, "exited"),
        ({"is_unjoin": True}, "not_joined"),
        ({}, "inactive"),
        (None, "inactive"),
    ],
)
def test_status_words(status: object, word: str) -> None:
    assert status_of(status) == word
