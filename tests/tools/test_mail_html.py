import pytest

from larkgate.tools.mail_html import inline, render


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**bold** and __also__", "<strong>bold</strong> and <strong>also</strong>"),
        ("*it* and _it_ but not snake_case_name", "<em>it</em> and <em>it</em> but not snake_case_name"),
        ("~~gone~~", "<del>gone</del>"),
        ("`a<b` and `` c`d ``", "<code>a&lt;b</code> and <code>c`d</code>"),
        ("`**not bold**`", "<code>**not bold**</code>"),
        ("[x](https://a.example/p_q_r?a=1&b=2)", '<a href="https://a.example/p_q_r?a=1&amp;b=2">x</a>'),
        ("[**x**](mailto:a@b.example)", '<a href="mailto:a@b.example"><strong>x</strong></a>'),
        ("[x](javascript:alert)", "x"),
        ("[x](/relative)", "x"),
        ("[](https://a.example)", '<a href="https://a.example">https://a.example</a>'),
        ("![logo](https://a.example/l.png)", '<a href="https://a.example/l.png">🖼 logo</a>'),
        ("<https://a.example/x_y_z>", '<a href="https://a.example/x_y_z">https://a.example/x_y_z</a>'),
        ('<img src=x onerror="alert(1)">', "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"),
        ("nul\x00byte", "nulbyte"),
    ],
)
def test_inline(markdown: str, expected: str) -> None:
    assert inline(markdown) == expected


def test_blocks() -> None:
    markdown = "\n".join(
        [
            "# Title #",
            "line one",
            "line <two>",
            "",
            "---",
            "> quoted **text**",
            "> - in a list",
            "",
            "- a",
            "  - a.1",
            "    - a.1.1",
            "- [ ] todo",
            "- [x] done",
            "1. first",
            "2) second",
            "- back to bullets",
            "",
            "| Name | Score |",
            "| :--- | ---: |",
            "| <b> | 3 |",
            "after the table",
            "```js",
            "if (a < b) {}",
            "",
            "```",
            "~~~",
            "plain",
            "~~~",
            "###### small",
        ]
    )
    assert render(markdown).split("\n") == [
        "<h1>Title</h1>",
        "<p>line one<br>",
        "line &lt;two&gt;</p>",
        "<hr>",
        "<blockquote><p>quoted <strong>text</strong></p>",
        "<ul><li>in a list</li></ul></blockquote>",
        "<ul><li>a<ul><li>a.1<ul><li>a.1.1</li></ul></li></ul></li><li>☐ todo</li><li>☑ done</li></ul>",
        "<ol><li>first</li><li>second</li></ol>",
        "<ul><li>back to bullets</li></ul>",
        "<table><thead><tr><th>Name</th><th>Score</th></tr></thead><tbody><tr><td>&lt;b&gt;</td><td>3</td></tr>"
        "</tbody></table>",
        "<p>after the table</p>",
        '<pre><code class="language-js">if (a &lt; b) {}',
        "</code></pre>",
        "<pre><code>plain</code></pre>",
        "<h6>small</h6>",
    ]


def test_paragraphs_stop_at_blocks_and_crlf_is_read() -> None:
    assert render("text\r\n# head\r\ntext\n| a |\n|---|\n") == (
        "<p>text</p>\n<h1>head</h1>\n<p>text</p>\n<table><thead><tr><th>a</th></tr></thead><tbody></tbody></table>"
    )
    assert render("```\nunclosed <code>") == "<pre><code>unclosed &lt;code&gt;</code></pre>"
