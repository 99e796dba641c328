from larkgate.clock import FakeClock
from larkgate.sandbox import SandboxConfig
from larkgate.sandbox.tokens import TokenStore


def test_mint_shape_and_refresh_only_with_offline_access() -> None:
    store = TokenStore(SandboxConfig(clock=FakeClock(start=0), access_ttl=60, refresh_ttl=600))
    online = store.mint("ou_a", "cli_x", ("im:message",), ("im:message",))
    assert list(online) == ["code", "access_token", "expires_in", "scope", "token_type"]
    assert online["expires_in"] == 60
    offline = store.mint("ou_a", "cli_x", ("offline_access",), ("offline_access",))
    assert offline["refresh_token_expires_in"] == 600
    assert store.refresh_tokens[str(offline["refresh_token"])].expires_at == 600


def test_grants_accumulate_in_order() -> None:
    store = TokenStore(SandboxConfig(clock=FakeClock(start=0)))
    assert store.grant("cli", "ou_a", ["a", "b"]) == ("a", "b")
    assert store.grant("cli", "ou_a", ["c", "a"]) == ("a", "b", "c")
    assert store.grant("cli", "ou_b", ["z"]) == ("z",)


def test_revoke_touches_only_that_user_and_only_once() -> None:
    store = TokenStore(SandboxConfig(clock=FakeClock(start=0)))
    mine = store.mint("ou_a", "cli", ("offline_access",), ("offline_access",))
    theirs = store.mint("ou_b", "cli", ("offline_access",), ("offline_access",))
    store.grant("cli", "ou_a", ["offline_access"])
    assert store.revoke_user("ou_a") == 2
    assert store.revoke_user("ou_a") == 0
    assert ("cli", "ou_a") not in store.grants
    assert store.user_tokens[str(mine["access_token"])].revoked
    assert not store.user_tokens[str(theirs["access_token"])].revoked
