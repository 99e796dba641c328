"""The HTML our authorization server shows a person: consent, outcomes and errors. Plain forms, no JavaScript.

Every page carries the same hardening headers; every dynamic value is escaped (and stripped of invisible / bidi
control characters, so a client name cannot disguise itself).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.responses import HTMLResponse

from larkgate.sanitize import clean_text

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_CSP_SAFE = re.compile(r"^[A-Za-z0-9.\-\[\]:]+$")

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;
color:#1f2329;line-height:1.5}
h1{font-size:1.4rem}
.box{border:1px solid #dee0e3;border-radius:8px;padding:1rem 1.25rem;margin:1rem 0}
.uri{word-break:break-all;font-family:ui-monospace,monospace;font-size:.9rem}
.uri strong{font-size:1rem;background:#fff3cd}
.note{color:#646a73;font-size:.9rem}
code{font-size:.85rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button,.button{font:inherit;font-size:1rem;padding:.55rem 1.4rem;border-radius:6px;border:1px solid #3370ff;
cursor:pointer;
text-decoration:none;display:inline-block}
button.primary,.button{background:#3370ff;color:#fff}
button.secondary{background:#fff;color:#3370ff}
"""


def escape(value: object, limit: int = 500) -> str:
    """HTML-escape untrusted text, without invisible characters, clipped to `limit` characters."""
    text = clean_text(str(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def csp_source(url: str) -> str | None:
    """The CSP source expression that allows navigating a form to `url`'s origin (None when unusable)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not _SCHEME.match(scheme):
        return None
    if scheme not in ("http", "https"):
        return f"{scheme}:"  # private-use schemes of native apps have no origin
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if not host or not _CSP_SAFE.match(host):
        return None
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def security_headers(form_targets: Sequence[str] = ()) -> dict[str, str]:
    """Headers for every HTML page and browser redirect; `form_targets` are URLs a form here may end up at."""
    sources = ["'self'", *(s for s in (csp_source(u) for u in form_targets) if s)]
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'unsafe-inline'; form-action {' '.join(dict.fromkeys(sources))}; "
            "frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def render(title: str, body: str, *, status: int = 200, form_targets: Sequence[str] = ()) -> HTMLResponse:
    """A complete page around `body` (already escaped HTML) with the hardening headers."""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} · larkgate</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=security_headers(form_targets))


def uri_with_host_emphasised(uri: str) -> str:
    """Escaped URI with its host in <strong>, so a look-alike redirect target stands out."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return escape(uri, 2000)
    host = parts.hostname
    marker = "//" + parts.netloc
    if not host or not parts.netloc or marker not in uri or host not in parts.netloc:
        return escape(uri, 2000)
    start = uri.index(marker) + 2 + parts.netloc.index(host)
    end = start + len(host)
    return f"{escape(uri[:start], 2000)}<strong>{escape(uri[start:end], 300)}</strong>{escape(uri[end:], 2000)}"


def consent_page(
    *,
    client_name: str,
    client_note: str,
    redirect_uri: str,
    feishu_scopes: Sequence[str],
    request_id: str,
    csrf_token: str,
    accounts_base: str,
) -> HTMLResponse:
    """Ask the member to approve this MCP client before sending them to Feishu."""
    scopes = "".join(f"<li><code>{escape(s, 200)}</code></li>" for s in feishu_scopes)
    body = f"""
<p><strong>{escape(client_name, 120)}</strong> wants to use larkgate to act in Feishu <em>as you</em>.</p>
<div class="box">
<p class="note">{escape(client_note)}</p>
<p>After you approve, your browser returns to:</p>
<p class="uri">{uri_with_host_emphasised(redirect_uri)}</p>
<p class="note">Only continue if you started this from that application.</p>
</div>
<p>It will be able to call larkgate's Feishu tools on your behalf: read your profile, read and send messages, and
use other Feishu APIs your account allows, within the Feishu permissions you grant on the next page:</p>
<ul>{scopes}</ul>
<p class="note">It never sees your Feishu password or Feishu tokens. You can revoke its access at any time.</p>
<form method="post" action="/consent">
<input type="hidden" name="request" value="{escape(request_id, 100)}">
<input type="hidden" name="csrf_token" value="{escape(csrf_token, 100)}">
<div class="actions">
<button type="submit" name="action" value="approve" class="primary">Approve</button>
<button type="submit" name="action" value="deny" class="secondary">Deny</button>
</div>
</form>"""
    return render("Allow access to Feishu?", body, form_targets=(accounts_base, redirect_uri))


def message_page(
    title: str,
    message: str,
    *,
    status: int,
    hint: str = "",
    return_label: str | None = None,
    return_url: str | None = None,
) -> HTMLResponse:
    """An outcome or error page; with `return_url`, a link that hands the outcome back to the MCP client."""
    parts = [f"<p>{escape(message, 1000)}</p>"]
    if hint:
        parts.append(f'<p class="note">{escape(hint, 1000)}</p>')
    if return_url:
        label = escape(return_label or "Return to the application", 150)
        parts.append(f'<p><a class="button" href="{escape(return_url, 4000)}">{label}</a></p>')
    return render(title, "".join(parts), status=status)
