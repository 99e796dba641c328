import json

import pytest

from larkgate.tools.markdown_post import inline, markdown_paragraphs, markdown_to_post, post_to_markdown


def text(value: str, *styles: str) -> dict[str, object]:
    element: dict[str, object] = {"tag": "text", "text": value}
    if styles:
        element["style"] = list(styles)
    return element


def test_post_shape() -> None:
    assert markdown_to_post("hi", title="T") == {"zh_cn": {"title": "T", "content": [[text("hi")]]}}


@pytest.mark.parametrize(
    ("markdown", "elements"),
    [
        ("plain 中文", [text("plain 中文")]),
        ("**bold** and __also__", [text("bold", "bold"), text(" and "), text("also", "bold")]),
        ("*it* _it_", [text("it", "italic"), text(" "), text("it", "italic")]),
        ("~~gone~~", [text("gone", "lineThrough")]),
        ("**bold *both***", [text("bold ", "bold"), text("both", "bold", "italic")]),
        ("*a **b** c*", [text("a ", "italic"), text("b", "italic", "bold"), text(" c", "italic")]),
        ("run `a*b*c` now", [text("run `a*b*c` now")]),
        ("snake_case_name", [text("snake_case_name")]),
        ("\\*not italic\\*", [text("*not italic*")]),
        ("a ** b ** c", [text("a ** b ** c")]),
        ("unclosed **bold", [text("unclosed **bold")]),
        ("`` empty", [text("`` empty")]),
        ("[doc](https://x.feishu.cn/docx/a)", [{"tag": "a", "text": "doc", "href": "https://x.feishu.cn/docx/a"}]),
        ("**[b](https://e.example)**", [{"tag": "a", "text": "b", "href": "https://e.example", "style": ["bold"]}]),
        ("![chart](https://e.example/c.png)", [{"tag": "a", "text": "chart", "href": "https://e.example/c.png"}]),
        ("[](https://e.example)", [{"tag": "a", "text": "https://e.example", "href": "https://e.example"}]),
        ("<mailto:a@e.example>", [{"tag": "a", "text": "mailto:a@e.example", "href": "mailto:a@e.example"}]),
        ("[x](javascript:alert)", [text("x (javascript:alert)")]),
        ("[x](notes)", [text("x (notes)")]),
        ("[no link", [text("[no link")]),
        ("<not a link>", [text("<not a link>")]),
        (
            "hi @ou_abc1 and @all",
            [text("hi "), {"tag": "at", "user_id": "ou_abc1"}, text(" and "), {"tag": "at", "user_id": "all"}],
        ),
        ("mail me@ou_abc1 @someone", [text("mail me@ou_abc1 @someone")]),
        ("trailing \\", [text("trailing \\")]),
    ],
)
def test_inline(markdown: str, elements: list[dict[str, object]]) -> None:
    assert inline(markdown) == elements


def test_blocks() -> None:
    markdown = "\n".join(
        [
            "# 标题 Title #",
            "",
            "- item",
            "  * nested",
            "    + deeper",
            "3) third",
            "- [ ] todo",
            "- [X] done",
            "> quoted **bold**",
            "***",
            "| 名称 | 值 |",
            "|:---|---:|",
            "| a | 1 |",
            "~~~sh",
            "echo `hi`",
            "",
            "~~~",
            "```",
            "no language",
            "```",
            "last\r\nline",
        ]
    )
    assert markdown_paragraphs(markdown) == [
        [text("标题 Title", "bold")],
        [text("• item")],
        [text("\u3000• nested")],
        [text("\u3000\u3000• deeper")],
        [text("3. third")],
        [text("☐ todo")],
        [text("☑ done")],
        [text("> quoted "), text("bold", "bold")],
        [{"tag": "hr"}],
        [text("名称 | 值", "bold")],
        [text("a | 1")],
        [{"tag": "code_block", "text": "echo `hi`\n", "language": "SH"}],
        [{"tag": "code_block", "text": "no language"}],
        [text("last")],
        [text("line")],
    ]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert markdown_paragraphs("```go\nfunc main() {}") == [
        [{"tag": "code_block", "text": "func main() {}", "language": "GO"}]
    ]


def test_post_to_markdown_reads_every_form() -> None:
    sent = markdown_to_post("**b** [l](https://e.example)\n---\n```py\nx = 1\n```", title="T")
    received = sent["zh_cn"]
    expected = "**T**\n**b** [l](https://e.example)\n---\n```py\nx = 1\n```"
    assert post_to_markdown(sent) == expected
    assert post_to_markdown(received) == expected
    assert post_to_markdown({"post": sent}) == expected
    assert post_to_markdown({"en_us": received}) == expected


def test_post_to_markdown_other_elements() -> None:
    content = {
        "title": "",
        "content": [
            [
                {"tag": "at", "user_id": "ou_1", "user_name": "产品经理"},
                {"tag": "at", "user_id": "ou_2"},
                {"tag": "text", "text": " u ", "style": ["underline", "bold"]},
                {"tag": "text", "text": "x", "style": ["underline"]},
            ],
            [
                {"tag": "img", "image_key": "img_1"},
                {"tag": "media", "file_key": "f"},
                {"tag": "emotion", "emoji_type": "OK"},
            ],
            "not a paragraph",
            [{"tag": "md", "text": "**md**"}, "not an element"],
        ],
    }
    assert post_to_markdown(content) == "@产品经理@ou_2** u **x\n[image][video]:OK:\n**md**"
    assert post_to_markdown({"post": "nonsense"}) == ""


def test_round_trip_keeps_meaning() -> None:
    markdown = "**进度**：*已上线*，见 [PRD](https://e.example/docx/a) ~~旧~~ @ou_abc"
    back = post_to_markdown(markdown_to_post(markdown))
    assert back == "**进度**：*已上线*，见 [PRD](https://e.example/docx/a) ~~旧~~ @ou_abc"
    assert json.dumps(markdown_to_post(markdown), ensure_ascii=False)
