"""HTML helpers: CSP sources, escaping, host emphasis."""

from __future__ import annotations

import pytest

from larkgate.auth.pages import csp_source, escape, message_page, uri_with_host_emphasised
from larkgate.auth.tokens import digest, matches, new_secret


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://app.example/cb", "https://app.example"),
        ("http://127.0.0.1:33418/cb", "http://127.0.0.1:33418"),
        ("https://[::1]:8443/x", "https://[::1]:8443"),
        ("cursor://anysphere/oauth", "cursor:"),
        ("https://app.example:99999/cb", None),
        ("1bad://x", None),
        ("https:///nohost", None),
        ("https://a;b/x", None),
    ],
)
def test_csp_source(url: str, source: str | None) -> None:
    assert csp_source(url) == source


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://app.example/cb?x=<y>", "https://<strong>app.example</strong>/cb?x=&lt;y&gt;"),
        ("http://http/x", "http://<strong>http</strong>/x"),
        ("http://[::1]:3000/cb", "http://[<strong>::1</strong>]:3000/cb"),
        ("cursor:opaque", "cursor:opaque"),
        ("http://[::1/cb", "http://[::1/cb"),
        ("HTTPS://App.Example/cb", "HTTPS://App.Example/cb"),
    ],
)
def test_host_emphasis(uri: str, expected: str) -> None:
    assert uri_with_host_emphasised(uri) == expected


def test_escape_clips_and_cleans() -> None:
    assert escape("a\u200bb<", 10) == "ab&lt;"
    assert escape("x" * 20, 5) == "xxxx…"


def test_message_page_with_return_link() -> None:
    page = message_page("T", "m", status=400, return_url="https://a.example/cb?error=x&state=<s>")
    body = bytes(page.body).decode()
    assert 'href="https://a.example/cb?error=x&amp;state=&lt;s&gt;"' in body
    assert "Return to the application" in body
    assert page.headers["x-frame-options"] == "DENY"


def test_secret_helpers() -> None:
    secret = new_secret("p_")
    assert secret.startswith("p_")
    assert len(secret) > 40
    assert matches(secret, digest(secret))
    assert not matches(secret, None)
    assert not matches(secret, digest("other"))
