"""Feishu's response envelope, its error shape, and the log id every response carries.

Success: `{"code": 0, "msg": "success", "data": {...}}`. Failure adds `error` with `log_id`, `troubleshooter` and,
when relevant, `field_violations` / `permission_violations`
(https://open.feishu.cn/document/server-docs/api-call-guide/calling-process/get-
and https://open.feishu.cn/document/faq/trouble-shooting/how-to-resolve-error-99991679).
The log id is also sent as the `X-Tt-Logid` header on every response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Scope

LOG_ID_KEY = "larkgate.sandbox.log_id"
LOG_ID_HEADER = "X-Tt-Logid"
FIELD_VALIDATION_FAILED = 99992402
BAD_REQUEST = 9499
METHOD_MISMATCH = 99991301  # a known path called with the wrong method (generic error code list)
_MAX_ECHO = 200  # how much of a caller's bad value is echoed back in field_violations


@dataclass(frozen=True)
class FieldViolation:
    """A request field that failed validation."""

    field: str
    value: str
    description: str


class ApiError(Exception):
    """A Feishu error answer from an open API handler."""

    def __init__(
        self,
        code: int,
        msg: str,
        http_status: int = 400,
        *,
        field_violations: Sequence[FieldViolation] = (),
        permission_violations: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status
        self.field_violations = tuple(field_violations)
        self.permission_violations = tuple(permission_violations)
        self.headers = dict(headers or {})


class ParamError(ApiError):
    """A request parameter broke a validation rule (Feishu 99992402, "field validation failed")."""

    def __init__(self, field: str, value: object, description: str) -> None:
        shown = "" if value is None else str(value)[:_MAX_ECHO]
        super().__init__(
            FIELD_VALIDATION_FAILED,
            f"field validation failed: {field}: {description}",
            field_violations=[FieldViolation(field, shown, description)],
        )


def log_id_of(scope: Scope | Request) -> str:
    """The log id assigned to this request by the log id middleware."""
    target = scope.scope if isinstance(scope, Request) else scope
    value = target.get(LOG_ID_KEY, "")
    return value if isinstance(value, str) else ""


def success(data: Mapping[str, object]) -> JSONResponse:
    """The success envelope."""
    return JSONResponse({"code": 0, "msg": "success", "data": dict(data)})


def failure(error: ApiError, log_id: str) -> JSONResponse:
    """The error envelope, with `error.log_id` matching the `X-Tt-Logid` header."""
    detail: dict[str, object] = {
        "log_id": log_id,
        "troubleshooter": "排查建议查看(Troubleshooting suggestions): "
        f"https://open.feishu.cn/search?from=openapi&log_id={log_id}&code={error.code}",
    }
    if error.field_violations:
        detail["field_violations"] = [
            {"field": v.field, "value": v.value, "description": v.description} for v in error.field_violations
        ]
    if error.permission_violations:
        detail["permission_violations"] = [dict(v) for v in error.permission_violations]
    body = {"code": error.code, "msg": error.msg, "error": detail}
    return JSONResponse(body, status_code=error.http_status, headers=error.headers)
