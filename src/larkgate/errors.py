"""The one error hierarchy of larkgate.

Every failure the gateway reports to a person, an MCP client or Feishu-facing code is one of these. They carry data
(Feishu code, message, log id, missing scopes) and are translated to HTTP responses and MCP tool results at one edge
(`larkgate.tools.server` for tools, the route handlers for HTTP), never by string matching elsewhere.

    LarkgateError
    ├── ConfigError                 settings missing or invalid; startup stops with the message
    ├── InputError                  a caller's arguments are wrong (names the field and what is valid)
    │   └── NotFoundError           a named thing (user, chat, tool, API) does not exist
    ├── StoreError                  the database failed or a row could not be written
    ├── CryptoError                 a ciphertext cannot be decrypted (wrong key, tampered data, unknown key id)
    ├── AuthError                   our own authorization server refused something
    │   ├── ConsentError            the consent form was tampered with, expired or replayed
    │   └── SignInRequired          the user must sign in to Feishu (again, or for more scopes); the edge adds the link
    └── FeishuError                 Feishu answered with a non-zero code (code, msg, log_id, http_status)
        ├── FeishuTokenError        the user or app token is invalid / expired (99991668, 99991677, 99991663, 99991661)
        ├── FeishuRefreshError      the refresh token is invalid / expired / revoked / already used (20026 …)
        ├── FeishuScopeError        the user has not granted a scope (99991679) or the app lacks it (99991672)
        ├── FeishuRateLimited       99991400 / HTTP 429; carries retry_after seconds
        └── FeishuUnavailable       transport failure, timeout or 5xx after retries
"""

from __future__ import annotations

from collections.abc import Sequence


class LarkgateError(Exception):
    """Base of every error larkgate raises on purpose."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(LarkgateError):
    """Settings are missing or invalid."""


class InputError(LarkgateError):
    """A caller's input is invalid."""


class NotFoundError(InputError):
    """A named thing does not exist."""


class StoreError(LarkgateError):
    """The database failed."""


class CryptoError(LarkgateError):
    """A stored secret cannot be decrypted."""


class AuthError(LarkgateError):
    """Our authorization server refused a request."""


class ConsentError(AuthError):
    """The consent step was tampered with, expired or replayed."""


class SignInRequired(AuthError):
    """The user must sign in to Feishu again (or grant `scopes`); the tool edge turns this into a sign-in link."""

    def __init__(self, message: str, user_pk: str, scopes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.user_pk = user_pk
        self.scopes = tuple(scopes)


# Feishu error codes (see DESIGN.md, "Feishu facts").
CODE_SCOPE_NOT_GRANTED = 99991679
CODE_SCOPE_NOT_ENABLED = 99991672
CODE_USER_TOKEN_INVALID = 99991668
CODE_USER_TOKEN_EXPIRED = 99991677
CODE_TOKEN_INVALID = 99991663
CODE_MISSING_AUTHORIZATION = 99991661
CODE_RATE_LIMITED = 99991400
CODE_REFRESH_INVALID = 20026
CODE_REFRESH_EXPIRED = 20037
CODE_REFRESH_REVOKED = 20064
CODE_REFRESH_USED = 20073

TOKEN_CODES = frozenset(
    {CODE_USER_TOKEN_INVALID, CODE_USER_TOKEN_EXPIRED, CODE_TOKEN_INVALID, CODE_MISSING_AUTHORIZATION}
)
REFRESH_CODES = frozenset({CODE_REFRESH_INVALID, CODE_REFRESH_EXPIRED, CODE_REFRESH_REVOKED, CODE_REFRESH_USED})
SCOPE_CODES = frozenset({CODE_SCOPE_NOT_GRANTED, CODE_SCOPE_NOT_ENABLED})


class FeishuError(LarkgateError):
    """Feishu answered with a non-zero code."""

    def __init__(self, code: int, msg: str, log_id: str | None = None, http_status: int = 200) -> None:
        super().__init__(f"Feishu error {code}: {msg}")
        self.code = code
        self.msg = msg
        self.log_id = log_id
        self.http_status = http_status


class FeishuTokenError(FeishuError):
    """The access token Feishu was given is invalid or expired."""


class FeishuRefreshError(FeishuError):
    """The refresh token is invalid, expired, revoked or already used: the user must sign in again."""


class FeishuScopeError(FeishuError):
    """A scope is missing: not granted by the user (99991679) or not enabled for the app (99991672)."""

    def __init__(
        self, code: int, msg: str, log_id: str | None = None, http_status: int = 200, scopes: Sequence[str] = ()
    ) -> None:
        super().__init__(code, msg, log_id, http_status)
        self.scopes = tuple(scopes)


class FeishuRateLimited(FeishuError):
    """Feishu rate limited the call; retry after `retry_after` seconds."""

    def __init__(self, msg: str, log_id: str | None = None, retry_after: float = 1.0) -> None:
        super().__init__(CODE_RATE_LIMITED, msg, log_id, 429)
        self.retry_after = retry_after


class FeishuUnavailable(FeishuError):
    """Feishu could not be reached, timed out or failed with 5xx."""

    def __init__(self, msg: str, log_id: str | None = None, http_status: int = 0) -> None:
        super().__init__(-1, msg, log_id, http_status)


def feishu_error(
    code: int, msg: str, log_id: str | None = None, http_status: int = 200, scopes: Sequence[str] = ()
) -> FeishuError:
    """Build the most specific FeishuError for a code."""
    if code in SCOPE_CODES:
        return FeishuScopeError(code, msg, log_id, http_status, scopes)
    if code in REFRESH_CODES:
        return FeishuRefreshError(code, msg, log_id, http_status)
    if code in TOKEN_CODES:
        return FeishuTokenError(code, msg, log_id, http_status)
    if code == CODE_RATE_LIMITED:
        return FeishuRateLimited(msg, log_id)
    return FeishuError(code, msg, log_id, http_status)
