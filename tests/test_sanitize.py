from larkgate.sanitize import clean, clean_text


def test_invisible_and_bidi_characters_are_removed() -> None:
    hidden = "pay\u200b now\u202e gnp.exe\u2066x\u2069\ufeff\U000e0041"
    assert clean_text(hidden) == "pay now gnp.exex"


def test_chinese_and_emoji_survive() -> None:
    assert clean_text("研发组 周会 ✅ 👍🏽") == "研发组 周会 ✅ 👍🏽"


def test_clean_walks_json_values() -> None:
    value = {"a": ["x\u200by", {"b": "\u202ez"}], "n": 3, "k\u200b": None}
    assert clean(value) == {"a": ["xy", {"b": "z"}], "n": 3, "k\u200b": None}
