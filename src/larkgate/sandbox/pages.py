"""HTML of the emulated accounts host: sign-in, consent and error pages.

Plain forms that work without JavaScript (other tests drive them in headless Chromium). Every value is escaped;
responses forbid framing.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from starlette.responses import HTMLResponse

from larkgate.sandbox.config import scope_label
from larkgate.sandbox.tenant import User

SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;background:#f5f6f7;margin:0;padding:40px 16px;color:#1f2329}"
    "main{max-width:480px;margin:auto;background:#fff;border-radius:8px;padding:24px 28px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.08)}"
    "h1{font-size:20px}ul{padding-left:20px}li{margin:6px 0}"
    "button{display:block;width:100%;margin:8px 0;padding:10px;border:1px solid #d0d3d6;border-radius:6px;"
    "background:#fff;font:inherit;font-size:15px;text-align:left;cursor:pointer}"
    "button.primary{background:#3370ff;color:#fff;border-color:#3370ff;text-align:center}"
    "button.secondary{text-align:center}"
    "small{color:#646a73}.code{font-family:monospace}"
)


def esc(value: str) -> str:
    """HTML-escape text and attribute values (quotes included)."""
    return html.escape(value, quote=True)


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def html_page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """An HTML response with the framing and caching protections."""
    return HTMLResponse(_document(title, body), status_code=status, headers=SECURITY_HEADERS)


def hidden_fields(params: Mapping[str, str]) -> str:
    """Hidden inputs carrying the original authorize parameters."""
    return "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in params.items())


def sign_in(app_name: str, tenant_name: str, action: str, params: Mapping[str, str], users: Sequence[User]) -> str:
    """Step 1: pick the account to sign in with."""
    buttons = "".join(
        f'<button type="submit" name="email" value="{esc(u.email)}">'
        f"<strong>{esc(u.en_name)} · {esc(u.name)}</strong><br><small>{esc(u.email)}</small></button>"
        for u in users
    )
    return (
        f"<h1>Sign in to {esc(tenant_name)} · 登录</h1>"
        f"<p><strong>{esc(app_name)}</strong> wants you to sign in. 选择一个账号登录。</p>"
        f'<form method="post" action="{esc(action)}">{hidden_fields(params)}{buttons}</form>'
    )


def consent(app_name: str, action: str, consent_id: str, user: User, scopes: Sequence[str]) -> str:
    """Step 2: approve or deny the requested scopes."""
    items = "".join(
        f'<li>{esc(scope_label(s)[0])} · {esc(scope_label(s)[1])} <small class="code">{esc(s)}</small></li>'
        for s in scopes
    )
    listed = f"<ul>{items}</ul>" if items else "<p><small>No extra permissions · 无需额外权限</small></p>"
    return (
        f"<h1>Authorize {esc(app_name)} · 授权</h1>"
        f"<p>Signed in as <strong>{esc(user.en_name)} · {esc(user.name)}</strong> ({esc(user.email)})</p>"
        f"<p>{esc(app_name)} requests these permissions · 申请以下权限：</p>{listed}"
        f'<form method="post" action="{esc(action)}">'
        f'<input type="hidden" name="consent_id" value="{esc(consent_id)}">'
        '<button class="primary" type="submit" name="decision" value="approve">Approve · 授权</button>'
        '<button class="secondary" type="submit" name="decision" value="deny">Deny · 拒绝</button></form>'
    )


def error(code: int, message: str, log_id: str) -> str:
    """The page Feishu shows when an authorize request is refused: the code, the reason and the log id."""
    return (
        "<h1>Authorization failed · 授权失败</h1>"
        f"<p>错误码 Error code: <strong>{code}</strong></p><p>{esc(message)}</p>"
        f"<p><small>Logid: {esc(log_id)}</small></p>"
    )
