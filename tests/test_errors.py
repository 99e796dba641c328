import pytest

from larkgate import errors


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (99991679, errors.FeishuScopeError),
        (99991672, errors.FeishuScopeError),
        (20073, errors.FeishuRefreshError),
        (20037, errors.FeishuRefreshError),
        (99991677, errors.FeishuTokenError),
        (99991661, errors.FeishuTokenError),
        (99991400, errors.FeishuRateLimited),
        (230001, errors.FeishuError),
    ],
)
def test_codes_map_to_the_most_specific_error(code: int, kind: type[errors.FeishuError]) -> None:
    err = errors.feishu_error(code, "msg", "log-1", 400, scopes=["im:message"])
    assert type(err) is kind
    assert err.code == code
    assert err.log_id == "log-1"
    assert str(code) in err.message


def test_scope_error_carries_scopes() -> None:
    err = errors.feishu_error(99991679, "denied", scopes=["a", "b"])
    assert isinstance(err, errors.FeishuScopeError)
    assert err.scopes == ("a", "b")


def test_sign_in_required_carries_user_and_scopes() -> None:
    err = errors.SignInRequired("sign in", "u1", ["x"])
    assert (err.user_pk, err.scopes, err.message) == ("u1", ("x",), "sign in")
