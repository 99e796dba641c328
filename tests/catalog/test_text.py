"""Tokenizing English and Chinese."""

from __future__ import annotations

from larkgate.catalog.text import is_han, query_terms, stem, tokens


def test_english_words_are_split_and_stemmed() -> None:
    assert list(tokens("chat_members getUserInfo")) == ["chat", "member", "get", "user", "info"]
    assert stem("messages") == stem("message") == stem("messaging")
    assert stem("created") == stem("create") == stem("creating")
    assert stem("replies") == "reply"
    assert stem("copied") == "copy"
    assert stem("addresses") == "address"
    assert stem("status") == "status"
    assert stem("v1") == "v1"
    assert stem("2024") == "2024"


def test_stopwords_single_letters_and_phrases() -> None:
    assert list(tokens("what is on my to-do list")) == ["todo", "list"]
    assert list(tokens("R&D e-mail")) == ["email"]
    assert list(tokens("a 1:1 at 3pm")) == [stem("oneonone"), "pm"]


def test_chinese_is_indexed_as_pairs() -> None:
    assert list(tokens("撤回消息")) == ["撤回", "回消", "消息"]
    assert list(tokens("群")) == ["群"]
    assert list(tokens("会议室", han_singles=True)) == ["会议", "议室", "会", "议", "室"]
    assert list(tokens("send 消息 now")) == ["send", "消息", "now"]
    assert is_han("会")
    assert not is_han("room")


def test_query_terms_weight_single_characters_low() -> None:
    assert query_terms("点个赞", 0.25) == [("点个", 1.0), ("个赞", 1.0), ("点", 0.25), ("个", 0.25), ("赞", 0.25)]
    assert query_terms("群", 0.25) == [("群", 1.0)]
    assert query_terms("the messages message", 0.25) == [("messag", 1.0)]
