"""Our hand-written summaries: coverage of the catalog and no stale keys."""

from __future__ import annotations

from pathlib import Path

from larkgate.catalog import load_catalog
from larkgate.catalog.summaries import Blurb, Summaries, load_summaries

# Resources people ask for most; each must have its own summary, not just its service's.
COMMON_RESOURCES = [
    "im.message", "im.chat", "im.chat_members", "im.message_reaction", "im.pin", "im.image", "im.file",
    "calendar.calendar", "calendar.calendar_event", "calendar.calendar_event_attendee", "calendar.freebusy",
    "docx.document", "docx.document_block", "docx.document_block_children",
    "drive.file", "drive.permission_member", "drive.file_comment", "drive.import_task", "drive.export_task",
    "wiki.space", "wiki.space_node", "wiki.space_member",
    "sheets.spreadsheet", "sheets.spreadsheet_sheet", "sheets.spreadsheet_value",
    "bitable.app", "bitable.app_table", "bitable.app_table_record", "bitable.app_table_field",
    "task.task", "task.tasklist", "task.comment",
    "contact.user", "contact.department", "contact.group",
    "approval.approval", "approval.instance", "approval.task",
    "attendance.user_task", "attendance.user_flow", "attendance.shift", "attendance.group",
    "vc.meeting", "vc.reserve", "vc.room", "vc.meeting_recording",
    "minutes.minute", "minutes.minute_transcript",
    "okr.okr", "okr.user_okr", "okr.period",
    "mail.user_mailbox_message", "mail.user_mailbox_draft", "mail.mailgroup",
    "search.doc_wiki", "search.message", "search.data_source",
    "board.whiteboard", "board.whiteboard_node",
    "hire.job", "hire.talent", "hire.application", "hire.interview", "hire.offer",
    "corehr.employee", "corehr.department", "corehr.job_data", "corehr.offboarding",
    "application.application", "application.scope",
    "authen.user_info", "admin.admin_user_stat", "admin.audit_info",
]  # fmt: skip


def test_every_service_has_a_summary_and_category() -> None:
    summaries = load_catalog().summaries
    for domain in load_catalog().domains:
        assert summaries.services.get(domain, Blurb()).summary, domain
        assert summaries.categories.get(domain), domain


def test_common_resources_have_their_own_summary_and_chinese_keywords() -> None:
    summaries = load_catalog().summaries
    for key in COMMON_RESOURCES:
        blurb = summaries.resources.get(key)
        assert blurb is not None, key
        assert blurb.summary, key
        assert any("\u4e00" <= ch <= "\u9fff" for ch in blurb.keywords), key


def test_no_stale_keys() -> None:
    catalog = load_catalog()
    resources = {f"{s.domain}.{s.resource}" for s in catalog}
    summaries = catalog.summaries
    assert set(summaries.services) <= set(catalog.domains)
    assert set(summaries.resources) <= resources
    assert set(summaries.apis) <= {s.id for s in catalog}


def test_api_summaries_prefer_ours_then_build_one() -> None:
    catalog = load_catalog()
    assert catalog.require("im.v1.message.delete").summary.startswith("Recall")
    built = catalog.require("im.v1.message.push_follow_up").summary
    assert built == "Push follow up message — " + catalog.summaries.resources["im.message"].summary
    bare = Summaries()
    assert bare.api_summary("demo", "thing", "batch_get", "demo.v1.thing.batch_get") == "Batch get thing"


def test_verb_keywords() -> None:
    summaries = load_catalog().summaries
    words = summaries.verb_keywords("batch_create")
    assert "bulk" in words
    assert "新建" in words
    assert summaries.verb_keywords("frobnicate") == ""


def test_load_summaries_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[services.demo]\nsummary = "Demo"\n[services.demo.resources]\nthing = { summary = "T" }\n')
    loaded = load_summaries(path)
    assert loaded.services["demo"] == Blurb("Demo", "")
    assert loaded.categories["demo"] == ""
    assert loaded.resources["demo.thing"].summary == "T"
