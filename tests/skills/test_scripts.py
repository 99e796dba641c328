"""The bundled scripts: word statistics, Markdown lint and table reshaping (in-process, and once each as a child)."""

from __future__ import annotations

import importlib.util
import io
import json
from types import ModuleType
from typing import Any

import pytest

from larkgate.skills.loader import load_skills
from larkgate.skills.runner import default_runner


def load(name: str) -> ModuleType:
    """Import a bundled script by its frozen path (scripts are not a package)."""
    script = load_skills().scripts[name]
    spec = importlib.util.spec_from_file_location(name.replace("/", "_"), script.path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


word_stats = load("docs/word_stats")
markdown_lint = load("docs/markdown_lint")
reshape_table = load("sheets/reshape_table")


def run(module: ModuleType, capsys: pytest.CaptureFixture[str], stdin: str, *args: str) -> tuple[int, Any]:
    """(exit code, parsed JSON output) of `main` run in-process."""
    try:
        code = module.main(list(args), io.StringIO(stdin))
    except SystemExit as exc:
        code = exc.code
    return code, json.loads(capsys.readouterr().out)


DOC = """# 周报 Weekly report

本周完成了 3 个任务, shipped the **new** [login page](https://example.com) and <https://example.com/x>.
Second line of the same paragraph.

## Next
- 修复 bug
- [x] write docs ![diagram](a.png)

| a | b |
|---|---|
| 1 | 2 |

```python
print("code words")
```
"""


def test_word_stats_counts_cjk_and_latin(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(word_stats, capsys, DOC)
    assert code == 0
    assert out["cjk_characters"] == 12
    assert out["latin_words"] == 2 + 7 + 6 + 1 + 1 + 3 + 4  # by line; the code block is skipped
    assert out["words"] == out["cjk_characters"] + out["latin_words"]
    assert (out["paragraphs"], out["list_items"], out["tables"], out["code_blocks"]) == (1, 2, 1, 1)
    assert (out["links"], out["images"]) == (2, 1)
    assert out["headings"]["by_level"]["h1"] == 1
    assert out["headings"]["by_level"]["h2"] == 1
    assert out["headings"]["outline"] == [
        {"level": 1, "text": "周报 Weekly report", "line": 1},
        {"level": 2, "text": "Next", "line": 6},
    ]
    assert out["lines"] == 16
    assert out["unclosed_code_fence"] is False
    assert out["reading_minutes"] == 0.2


def test_word_stats_options(capsys: pytest.CaptureFixture[str]) -> None:
    _, with_code = run(word_stats, capsys, DOC, "--include-code", "--outline", "1")
    assert with_code["latin_words"] == 24 + 3  # print, code, words
    assert len(with_code["headings"]["outline"]) == 1
    _, unclosed = run(word_stats, capsys, "text\n~~~\ncode")
    assert unclosed["unclosed_code_fence"] is True
    assert unclosed["words"] == 1
    code, error = run(word_stats, capsys, "", "--outline", "-1")
    assert code == 2
    assert "--outline" in error["error"]
    code, error = run(word_stats, capsys, "", "--bogus")
    assert code == 2
    assert "unrecognized arguments" in error["error"]


def test_markdown_lint_finds_each_problem(capsys: pytest.CaptureFixture[str]) -> None:
    doc = "# A\n### skip\n#bad\n##\n| a | b |\n|---|\n| 1 | 2 | 3 |\n\n```js\ncode\n````\n\n~~~\nopen\n"
    code, out = run(markdown_lint, capsys, doc, "--max-line", "12")
    assert code == 0
    assert out["ok"] is False
    rules = [(p["line"], p["rule"], p["severity"]) for p in out["problems"]]
    assert rules == [
        (2, "heading-skip", "warning"),
        (3, "heading-space", "warning"),
        (4, "heading-empty", "warning"),
        (6, "table-delimiter", "error"),
        (7, "line-length", "warning"),
        (7, "table-columns", "warning"),
        (13, "unclosed-fence", "error"),
    ]
    assert (out["errors"], out["warnings"]) == (2, 5)


def test_markdown_lint_accepts_clean_docs_and_checks_size(capsys: pytest.CaptureFixture[str]) -> None:
    clean = (
        "# Title\n\n## Part\n\n| a \\| b | c |\n| --- | :-: |\n| 1 | 2 |\n# Next\n```\n# not a heading\n```py\n```\n"
    )
    _, out = run(markdown_lint, capsys, clean)
    assert out == {"ok": True, "errors": 0, "warnings": 0, "problems": []}
    _, out = run(markdown_lint, capsys, "a | b \\|\n--- | ---\n1 | 2\n")
    assert [p["rule"] for p in out["problems"]] == []
    wide = "|" + "|".join("c" for _ in range(101)) + "|\n|" + "|".join("-" for _ in range(101)) + "|\n"
    _, out = run(markdown_lint, capsys, wide)
    assert [p["rule"] for p in out["problems"]] == ["table-width"]
    _, out = run(markdown_lint, capsys, ("word " * 20 + "\n") * 2000 + "x" * 2000)
    assert out["ok"] is False
    assert out["problems"][0]["rule"] == "too-long"
    _, out = run(markdown_lint, capsys, "x\n" * 10 + "y" * 500 + "\n" + ("#bad\n" * 300))
    assert out["warnings"] == 301
    assert len(out["problems"]) == 200
    code, error = run(markdown_lint, capsys, "", "--max-line", "0")
    assert code == 2
    assert "--max-line" in error["error"]


def test_reshape_csv_to_values_and_records(capsys: pytest.CaptureFixture[str]) -> None:
    table = "name,age,id,ok,score\nAda,36,007,true,1.5\nBo,,12,FALSE\n"
    code, out = run(reshape_table, capsys, table)
    assert code == 0
    assert out["values"] == [
        ["name", "age", "id", "ok", "score"],
        ["Ada", 36, "007", True, 1.5],
        ["Bo", None, 12, False, None],
    ]
    assert (out["rows"], out["columns"]) == (3, 5)
    _, out = run(reshape_table, capsys, table, "--to", "records", "--columns", "name, age")
    assert out == {"records": [{"name": "Ada", "age": 36}, {"name": "Bo"}], "count": 2, "fields": ["name", "age"]}
    _, out = run(reshape_table, capsys, table, "--text", "--to", "records")
    assert out["records"][0] == {"name": "Ada", "age": "36", "id": "007", "ok": "true", "score": "1.5"}


def test_reshape_tsv_and_json_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = run(reshape_table, capsys, "a\tb\n1\tx y\n", "--to", "csv")
    assert out == {"text": "a,b\n1,x y\n", "rows": 2}
    records = json.dumps([{"fields": {"a": 1, "b": "x"}}, {"fields": {"a": 2, "c": [1, 2]}}])
    _, out = run(reshape_table, capsys, records, "--to", "tsv")
    assert out["text"] == "a\tb\tc\n1\tx\t\n2\t\t[1, 2]\n"
    _, out = run(reshape_table, capsys, json.dumps({"values": [["h", "flag"], ["v", True], ["w"]]}), "--to", "csv")
    assert out["text"] == "h,flag\nv,true\nw,\n"
    _, out = run(reshape_table, capsys, json.dumps({"records": [{"k": {"nested": 1}}]}), "--to", "records")
    assert out["records"] == [{"k": '{"nested": 1}'}]
    many = "n\n" + "\n".join(str(i) for i in range(501))
    _, out = run(reshape_table, capsys, many, "--to", "records", "--from", "csv")
    assert out["count"] == 501
    assert "500 records per call" in out["note"]


def test_reshape_usage_errors_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(reshape_table, capsys, "a\n1\n", "--to", "xml")
    assert code == 2
    assert "invalid choice" in out["error"]


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("", [], "stdin is empty"),
        ("{bad", [], "not valid JSON"),
        ("[]", [], "non-empty list"),
        ('{"other": 1}', [], "non-empty list"),
        ("[[1], {}]", [], "all lists or all objects"),
        ("a,a\n1,2\n", [], "unique and non-empty"),
        ("a,\n1,2\n", [], "unique and non-empty"),
        ("a,b\n1,2\n", ["--columns", "c"], "no column(s) c; columns: a, b"),
        ("\n\n", ["--from", "csv"], "stdin is empty"),
        ("x\ty\tx\n", ["--from", "tsv"], "unique and non-empty"),
    ],
)
def test_reshape_errors_are_json(capsys: pytest.CaptureFixture[str], stdin: str, args: list[str], message: str) -> None:
    code, out = run(reshape_table, capsys, stdin, *args)
    assert code == 2
    assert message in out["error"]


@pytest.mark.parametrize(
    ("name", "stdin", "args", "key"),
    [
        ("docs/word_stats", "# 标题\n\n正文 text\n", [], "words"),
        ("docs/markdown_lint", "# ok\n", ["--max-line", "100"], "ok"),
        ("sheets/reshape_table", "a,b\n1,2\n", ["--to", "records"], "records"),
    ],
)
async def test_each_script_runs_in_the_contained_child(name: str, stdin: str, args: list[str], key: str) -> None:
    result = await default_runner().run(name, args, stdin)
    assert result.exit_code == 0, result.stderr
    assert key in result.json
