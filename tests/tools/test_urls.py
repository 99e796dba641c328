import pytest

from larkgate.errors import InputError
from larkgate.tools.urls import KINDS, ParsedRef, kind_of_token, parse_token

DOC = "Hq7bdAbcDEfgHIjkLMnoPQrsTUv"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (f"https://acme.feishu.cn/docx/{DOC}", "docx"),
        (f"https://acme.feishu.cn/docx/{DOC}?from=from_copylink#share-x", "docx"),
        (f"https://acme.feishu.cn/docx/{DOC}/", "docx"),
        (f"http://feishu.cn/docx/{DOC}", "docx"),
        (f"https://acme.sg.larksuite.com/docx/{DOC}", "docx"),
        (f"https://acme.larkoffice.com/docx/{DOC}", "docx"),
        (f"https://ACME.Feishu.CN/DOCX/{DOC}", "docx"),
        (f"acme.feishu.cn/docx/{DOC}", "docx"),
        (f"https://acme.feishu.cn:443/docx/{DOC}", "docx"),
        (f"https://acme.feishu.cn/docs/{DOC}", "doc"),
        (f"https://acme.feishu.cn/wiki/{DOC}", "wiki"),
        (f"https://acme.feishu.cn/sheets/{DOC}", "sheet"),
        (f"https://acme.feishu.cn/base/{DOC}", "base"),
        (f"https://acme.feishu.cn/file/{DOC}", "file"),
        (f"https://acme.feishu.cn/drive/folder/{DOC}", "folder"),
        (f"https://acme.feishu.cn/minutes/{DOC}", "minutes"),
        (f"https://acme.feishu.cn/mindnotes/{DOC}", "mindnote"),
        (f"https://acme.feishu.cn/slides/{DOC}", "slides"),
        (f"https://acme.feishu.cn/space/doc/{DOC}", "doc"),
        (f"https://acme.feishu.cn/space/sheet/{DOC}", "sheet"),
        (f"https://acme.feishu.cn/space/folder/{DOC}", "folder"),
    ],
)
def test_every_url_form(url: str, kind: str) -> None:
    assert parse_token(url, KINDS) == ParsedRef(kind, DOC)  # type: ignore[arg-type]


def test_sheet_table_and_view_ids_are_kept() -> None:
    sheet = parse_token(f"https://acme.feishu.cn/sheets/{DOC}?sheet=0b1c2d&from=x", ["sheet"])
    assert sheet == ParsedRef("sheet", DOC, sheet_id="0b1c2d")
    base = parse_token(f"https://acme.feishu.cn/base/{DOC}?table=tblAbC123&view=vewXyZ9", ["base"])
    assert (base.table_id, base.view_id) == ("tblAbC123", "vewXyZ9")
    wiki_base = parse_token(f"https://acme.feishu.cn/wiki/{DOC}?table=tblAbC123", ["wiki"])
    assert wiki_base.kind == "wiki"
    assert wiki_base.table_id == "tblAbC123"


def test_bare_tokens_take_the_default_or_their_prefix() -> None:
    assert parse_token(f"  {DOC}\n", ["docx", "wiki"]) == ParsedRef("docx", DOC)
    assert parse_token("wikcnAbCdEf123", ["docx", "wiki"]) == ParsedRef("wiki", "wikcnAbCdEf123")
    assert parse_token("doxcnAbCdEf123", ["docx"]).kind == "docx"
    assert kind_of_token("shtcnXYZ") == "sheet"
    assert kind_of_token(DOC) is None


def test_a_token_of_another_kind_says_so() -> None:
    with pytest.raises(InputError, match="names a sheet; this needs a docx or wiki"):
        parse_token("shtcnAbCdEf123", ["docx", "wiki"])
    with pytest.raises(InputError, match="URL names a base"):
        parse_token(f"https://acme.feishu.cn/base/{DOC}", ["docx"])


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a" * 3000, "at most"),
        ("doc token", "without spaces"),
        ("abc\u0000def", "control"),
        ("ab", "not a docx token"),
        ("../../etc/passwd", "not a Feishu or Lark host"),
        ("doxcn%2e%2e", "not a docx token"),
        ("javascript:alert(1)", "malformed"),
        ("file:///etc/passwd", "'file' URL"),
        ("ftp://acme.feishu.cn/docx/abcdef", "'ftp' URL"),
        (f"https://evil.example/docx/{DOC}", "not a Feishu or Lark host"),
        (f"https://feishu.cn.evil.example/docx/{DOC}", "not a Feishu or Lark host"),
        (f"https://evilfeishu.cn/docx/{DOC}", "not a Feishu or Lark host"),
        (f"https://acme.feishu.cn@evil.example/docx/{DOC}", "user name or password"),
        (f"https://user:pw@acme.feishu.cn/docx/{DOC}", "user name or password"),
        (f"https://acme.feishu.cn:99999/docx/{DOC}", "malformed"),
        (f"https://xn--fsh-ooa.cn/docx/{DOC}", "not a Feishu or Lark host"),
        (f"https://acme.fеishu.cn/docx/{DOC}", "not a Feishu or Lark host"),
        ("https://acme.feishu.cn/drive/home/", "names no document"),
        ("https://acme.feishu.cn/", "names no document"),
        ("https://acme.feishu.cn/docx/..", "not a token"),
        ("https://acme.feishu.cn/docx/ab%20cd", "not a token"),
        (f"https://acme.feishu.cn/calendar/{DOC}", "names no document"),
    ],
)
def test_hostile_or_wrong_input_is_a_clear_error(value: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        parse_token(value, ["docx"])


def test_query_ids_must_be_ids() -> None:
    with pytest.raises(InputError, match="not an id"):
        parse_token(f"https://acme.feishu.cn/sheets/{DOC}?sheet=<script>", ["sheet"])


def test_at_least_one_kind_is_required() -> None:
    with pytest.raises(ValueError, match="at least one"):
        parse_token(DOC, [])
