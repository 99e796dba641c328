"""Tokens out of whatever people paste: Feishu / Lark URLs of any form, or bare tokens.

`parse_token("https://acme.feishu.cn/docx/doxcnAbc?from=x#share", ("docx", "wiki"))` → `ParsedRef("docx", "doxcnAbc")`.
Hosts: feishu.cn, larksuite.com, larkoffice.com and any tenant subdomain of them (`acme.feishu.cn`,
`acme.sg.larksuite.com`). Paths: /docx/, /docs/, /wiki/, /sheets/, /base/, /file/, /drive/folder/, /minutes/,
/mindnotes/, /slides/ and the older /space/<kind>/ forms. Query `sheet=` (sheet id), `table=` and `view=` (Base)
are kept; any other query, the fragment and trailing path segments are noise. Anything else is an InputError
that says what is accepted — never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from larkgate.errors import InputError

Kind = Literal["docx", "doc", "wiki", "sheet", "base", "file", "folder", "minutes", "mindnote", "slides"]
KINDS: tuple[Kind, ...] = ("docx", "doc", "wiki", "sheet", "base", "file", "folder", "minutes", "mindnote", "slides")

HOST_SUFFIXES = ("feishu.cn", "larksuite.com", "larkoffice.com")
MAX_INPUT = 2048

# First path segment(s) → kind. `/drive/folder/<t>` and `/space/<kind>/<t>` are two segments deep.
_PATH_KINDS: dict[str, Kind] = {
    "docx": "docx",
    "docs": "doc",
    "doc": "doc",
    "wiki": "wiki",
    "sheets": "sheet",
    "sheet": "sheet",
    "base": "base",
    "bitable": "base",
    "file": "file",
    "folder": "folder",
    "minutes": "minutes",
    "mindnotes": "mindnote",
    "mindnote": "mindnote",
    "slides": "slides",
}
_NESTED = {"drive", "space"}

# Older tokens carry their kind as a prefix (doxcn…, shtcn…); newer ones are opaque and take the caller's default.
_PREFIX_KINDS: tuple[tuple[str, Kind], ...] = (
    ("doxcn", "docx"),
    ("doccn", "doc"),
    ("wikcn", "wiki"),
    ("shtcn", "sheet"),
    ("bascn", "base"),
    ("boxcn", "file"),
    ("fldcn", "folder"),
    ("bmncn", "mindnote"),
    ("sldcn", "slides"),
    ("obcn", "minutes"),
)

_TOKEN = re.compile(r"[A-Za-z0-9_-]{4,128}")
_SUB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+")


@dataclass(frozen=True)
class ParsedRef:
    """A Feishu object named by a URL or token: its kind, token and (from the query) sheet / table / view ids."""

    kind: Kind
    token: str
    sheet_id: str | None = None
    table_id: str | None = None
    view_id: str | None = None


def parse_token(url_or_token: str, kinds: Iterable[Kind]) -> ParsedRef:
    """Parse a Feishu / Lark URL or bare token; `kinds` are those accepted, the first is a bare token's default."""
    accepted = tuple(kinds)
    if not accepted:
        raise ValueError("parse_token needs at least one accepted kind")
    text = url_or_token.strip()
    if not text:
        raise InputError(f"expected a {_describe(accepted)} URL or token; got an empty value")
    if len(text) > MAX_INPUT:
        raise InputError(f"a {_describe(accepted)} URL or token is at most {MAX_INPUT} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise InputError(f"expected one {_describe(accepted)} URL or token without spaces or control characters")
    if "/" not in text and ":" not in text:
        return _bare(text, accepted)
    return _from_url(text, accepted)


def kind_of_token(token: str) -> Kind | None:
    """The kind an old-style token's prefix announces, or None for opaque tokens."""
    lowered = token.lower()
    return next((kind for prefix, kind in _PREFIX_KINDS if lowered.startswith(prefix)), None)


def _bare(token: str, accepted: tuple[Kind, ...]) -> ParsedRef:
    if not _TOKEN.fullmatch(token):
        raise InputError(
            f"{token[:80]!r} is not a {_describe(accepted)} token (4-128 letters, digits, '_' or '-') nor a Feishu URL"
        )
    announced = kind_of_token(token)
    if announced is None:
        return ParsedRef(accepted[0], token)
    _check_kind(announced, accepted, "token")
    return ParsedRef(announced, token)


def _from_url(text: str, accepted: tuple[Kind, ...]) -> ParsedRef:
    expected = f"expected a {_describe(accepted)} URL such as https://<tenant>.feishu.cn/{_example(accepted)}/<token>"
    if "://" not in text:
        text = "https://" + text  # people paste `acme.feishu.cn/docx/…` without the scheme
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError:
        raise InputError(f"{expected}; got a malformed URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(f"{expected}; got a {parts.scheme[:20]!r} URL")
    if parts.username is not None or parts.password is not None:
        raise InputError(f"{expected}; URLs with a user name or password are refused")
    host = (parts.hostname or "").lower()
    if not _HOST.fullmatch(host) or not any(host == s or host.endswith("." + s) for s in HOST_SUFFIXES):
        shown = host[:80] + (f":{port}" if port else "")
        raise InputError(f"{expected}; {shown!r} is not a Feishu or Lark host ({', '.join(HOST_SUFFIXES)})")
    kind, token = _kind_and_token(parts.path, expected)
    _check_kind(kind, accepted, "URL")
    query = parse_qs(parts.query, keep_blank_values=False)
    return ParsedRef(
        kind,
        token,
        sheet_id=_sub_id(query, "sheet"),
        table_id=_sub_id(query, "table"),
        view_id=_sub_id(query, "view"),
    )


def _kind_and_token(path: str, expected: str) -> tuple[Kind, str]:
    segments = [s for s in path.split("/") if s]
    if len(segments) >= 3 and segments[0].lower() in _NESTED:
        segments = segments[1:]
    if len(segments) < 2 or segments[0].lower() not in _PATH_KINDS:
        raise InputError(f"{expected}; the path {path[:120]!r} names no document, sheet, base, file or folder")
    token = segments[1]
    if not _TOKEN.fullmatch(token):
        raise InputError(f"{expected}; {token[:80]!r} in the path is not a token")
    return _PATH_KINDS[segments[0].lower()], token


def _sub_id(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    value = values[0]
    if not _SUB_ID.fullmatch(value):
        raise InputError(f"the URL's {name}= value {value[:40]!r} is not an id")
    return value


def _check_kind(kind: Kind, accepted: tuple[Kind, ...], what: str) -> None:
    if kind not in accepted:
        raise InputError(f"that {what} names a {kind}; this needs a {_describe(accepted)}")


def _describe(kinds: tuple[Kind, ...]) -> str:
    return " or ".join(kinds)


def _example(kinds: tuple[Kind, ...]) -> str:
    reverse = {"doc": "docs", "sheet": "sheets", "folder": "drive/folder", "mindnote": "mindnotes"}
    return reverse.get(kinds[0], kinds[0])
