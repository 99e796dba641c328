"""Validation of message `content` per `msg_type`, as the send-message API checks it.

Content is a JSON string; text messages up to 150 KB, post and card messages up to 30 KB (230025 beyond); a bad
shape is 230001 "invalid request parameter" with an `ext` saying what is wrong
(https://open.feishu.cn/document/server-docs/im-v1/message/create,
https://open.feishu.cn/document/server-docs/im-v1/message-content-description/create_json).
"""

from __future__ import annotations

import json

from larkgate.sandbox.envelope import ApiError
from larkgate.sandbox.tenant import Tenant

MSG_TYPES = (
    "text",
    "post",
    "image",
    "file",
    "audio",
    "media",
    "sticker",
    "interactive",
    "share_chat",
    "share_user",
    "system",
)
POST_TAGS = frozenset({"text", "a", "at", "img", "media", "emotion", "hr", "code_block", "md"})
TEXT_LIMIT = 150 * 1024
RICH_LIMIT = 30 * 1024
# These reference uploaded images or files; the sandbox has no upload API, so no key can be valid yet.
_NEEDS_UPLOAD = frozenset({"image", "file", "audio", "media", "sticker"})


def invalid(ext: str) -> ApiError:
    """Feishu's 230001 with the reason in `ext`."""
    return ApiError(230001, f"Your request contains an invalid request parameter, ext={ext}")


def _post_locale(value: object, locale: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise invalid(f"post content {locale} must be an object")
    title = value.get("title", "")
    if not isinstance(title, str):
        raise invalid(f"post content {locale}.title must be a string")
    paragraphs = value.get("content")
    if not isinstance(paragraphs, list) or not paragraphs:
        raise invalid(f"post content {locale}.content must be a non-empty array of paragraphs")
    for paragraph in paragraphs:
        if not isinstance(paragraph, list):
            raise invalid(f"post content {locale}.content paragraphs must be arrays of elements")
        for element in paragraph:
            if not isinstance(element, dict) or element.get("tag") not in POST_TAGS:
                raise invalid(f"post content {locale} has an element without a supported tag")
    return {"title": title, "content": paragraphs}


def _post(parsed: dict[str, object]) -> dict[str, object]:
    # Senders may wrap the locales in {"post": {...}}; received posts are one locale's {"title", "content"}.
    inner = parsed.get("post", parsed)
    if not isinstance(inner, dict) or not inner:
        raise invalid("post content needs at least one locale such as zh_cn or en_us")
    locales = [_post_locale(value, str(locale)) for locale, value in inner.items()]
    preferred = inner.get("zh_cn")
    return _post_locale(preferred, "zh_cn") if preferred is not None else locales[0]


def stored_content(msg_type: str, content: str, tenant: Tenant) -> str:
    """Check `content` for `msg_type` and return the JSON string Feishu stores (and returns when listing)."""
    limit = TEXT_LIMIT if msg_type == "text" else RICH_LIMIT
    if len(content.encode()) > limit:
        raise ApiError(230025, "The length of the message content reaches its limit.")
    if msg_type in _NEEDS_UPLOAD:
        raise invalid(f"{msg_type} messages need an uploaded resource key; the sandbox does not emulate uploads")
    try:
        parsed = json.loads(content)
    except (ValueError, RecursionError):
        raise invalid("content is not a valid JSON string") from None
    if not isinstance(parsed, dict):
        raise invalid("content must be a JSON object")
    if msg_type == "text":
        text = parsed.get("text")
        if not isinstance(text, str) or not text.strip():
            raise invalid('text content must be {"text": "<non-empty string>"}')
        return json.dumps({"text": text}, ensure_ascii=False)
    if msg_type == "post":
        return json.dumps(_post(parsed), ensure_ascii=False)
    if msg_type == "share_chat":
        chat_id = parsed.get("chat_id")
        if not isinstance(chat_id, str) or chat_id not in tenant.chats:
            raise invalid("share_chat content needs the chat_id of an existing group")
    elif msg_type == "share_user":
        if tenant.user_by_id("open_id", str(parsed.get("user_id", ""))) is None:
            raise invalid("share_user content needs the open_id of a user of this tenant")
    elif msg_type == "system" or not parsed:
        raise invalid(f"{msg_type} content is not supported here")
    return json.dumps(parsed, ensure_ascii=False)
