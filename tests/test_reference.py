from pathlib import Path

import pytest

from larkgate import reference

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("section", reference.SECTIONS)
def test_readme_sections_are_generated_from_the_code(section: str) -> None:
    text = README.read_text(encoding="utf-8")
    assert reference.current(text, section) == reference.render(section), (
        f"README {section} table drifted: run `.venv/bin/python -m larkgate.reference README.md`"
    )


def test_every_tool_and_setting_is_listed() -> None:
    tools = reference.tools_markdown()
    for spec in reference.ALL_TOOLS:
        assert f"`{spec.name}`" in tools
    assert "`LARKGATE_MASTER_KEY`" in reference.settings_markdown()


def test_main_rewrites_sections(tmp_path: Path) -> None:
    target = tmp_path / "R.md"
    target.write_text(
        "x\n<!-- BEGIN GENERATED tools -->\nSTALE-CONTENT\n<!-- END GENERATED tools -->\ny\n", encoding="utf-8"
    )
    assert reference.main([str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "STALE-CONTENT" not in text
    assert "`lark_whoami`" in text
    assert reference.current("no markers", "tools") is None
