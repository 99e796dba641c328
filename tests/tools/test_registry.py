import pytest

from larkgate.errors import ConfigError, InputError
from larkgate.tools.inventory import ALL_TOOLS
from larkgate.tools.registry import Policy, Registry, tool_names


@pytest.fixture
def registry() -> Registry:
    return Registry(ALL_TOOLS)


def test_every_tool_is_explicit_about_writes() -> None:
    for spec in ALL_TOOLS:
        assert isinstance(spec.read_only, bool)
        assert spec.name.startswith("lark_")
        assert spec.description
        assert spec.title
        assert spec.input_schema()["type"] == "object"


def test_duplicate_names_fail_fast() -> None:
    with pytest.raises(ConfigError, match="twice"):
        Registry([*ALL_TOOLS, ALL_TOOLS[0]])


def test_operator_policy_all_and_unknown(registry: Registry) -> None:
    assert registry.operator_policy("all").toolsets == registry.toolsets
    with pytest.raises(ConfigError, match="unknown toolset"):
        registry.operator_policy("core,nope")


def test_request_can_narrow_but_never_widen(registry: Registry) -> None:
    base = registry.operator_policy("core")
    narrowed = registry.narrow(base, {"toolsets": "core,im"}, {})
    assert narrowed.toolsets == {"core"}
    assert tool_names(registry.visible(narrowed)) == [s.name for s in ALL_TOOLS if s.toolset == "core"]


def test_readonly_hides_writes_from_query_or_header(registry: Registry) -> None:
    base = registry.operator_policy("all")
    for query, headers in (({"readonly": "1"}, {}), ({}, {"x-larkgate-readonly": "true"})):
        policy = registry.narrow(base, query, headers)
        names = tool_names(registry.visible(policy))
        assert "lark_im_send_message" not in names
        assert "lark_im_list_chats" in names


def test_readonly_operator_cannot_be_undone(registry: Registry) -> None:
    base = registry.operator_policy("all", read_only=True)
    assert registry.narrow(base, {"readonly": "0"}, {}).read_only is True


def test_bad_request_values_are_input_errors(registry: Registry) -> None:
    base = registry.operator_policy("all")
    with pytest.raises(InputError, match="unknown toolset"):
        registry.narrow(base, {"toolsets": "../../etc"}, {})
    with pytest.raises(InputError, match="readonly"):
        registry.narrow(base, {"readonly": "maybe"}, {})


def test_policy_allows() -> None:
    spec = next(s for s in ALL_TOOLS if s.name == "lark_im_send_message")
    assert Policy(frozenset({"im"})).allows(spec)
    assert not Policy(frozenset({"im"}), read_only=True).allows(spec)
    assert not Policy(frozenset({"core"})).allows(spec)


def test_default_toolsets_apply_when_the_connection_names_none(registry: Registry) -> None:
    operator = registry.operator_policy("all", default="core")
    assert tool_names(registry.visible(registry.narrow(operator, {}, {}))) == [
        s.name for s in ALL_TOOLS if s.toolset == "core"
    ]
    chosen = registry.narrow(operator, {"toolsets": "im"}, {})
    assert chosen.toolsets == {"im"}


def test_default_must_be_enabled(registry: Registry) -> None:
    with pytest.raises(ConfigError, match="not enabled"):
        registry.operator_policy("core", default="im")
