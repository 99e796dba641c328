"""The emulated tenant's data: people (as roles), departments, chats, messages, calendars, docs, bases, tasks.

Plain dataclasses plus the lookups the API handlers need. `larkgate.sandbox.seed` fills one in; handlers mutate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from larkgate.sandbox.ids import stable_hex

UserIdType = Literal["open_id", "union_id", "user_id"]
USER_ID_TYPES: tuple[UserIdType, ...] = ("open_id", "union_id", "user_id")
BOT = "app"  # stands for the installed app's bot wherever a member or sender id is expected


@dataclass
class User:
    """A member of the tenant; `key` is the role (pm, dev1, …), never a person."""

    key: str
    email: str
    name: str
    en_name: str
    job_title: str
    open_id: str
    union_id: str
    user_id: str
    mobile: str
    employee_no: str
    department_ids: list[str]
    avatar_url: str
    is_tenant_manager: bool = False
    time_zone: str = "Asia/Shanghai"  # IANA name, as contact v3 returns it

    def id_of(self, id_type: UserIdType) -> str:
        """This user's id of the given type."""
        return {"open_id": self.open_id, "union_id": self.union_id, "user_id": self.user_id}[id_type]


@dataclass
class Department:
    """A department of the org chart."""

    department_id: str
    open_department_id: str
    name: str
    en_name: str
    parent_department_id: str
    leader_open_id: str
    member_open_ids: list[str]


@dataclass
class Chat:
    """A group chat or a direct (p2p) chat; `members` holds open_ids, plus BOT when the app's bot is in it."""

    chat_id: str
    name: str
    description: str
    owner_open_id: str
    chat_mode: Literal["group", "p2p"]
    members: list[str]
    create_time: float
    avatar: str = ""
    external: bool = False


@dataclass
class Message:
    """One chat message; `content` is the JSON string Feishu stores, `sender` an open_id or BOT."""

    message_id: str
    chat_id: str
    msg_type: str
    content: str
    sender: str
    create_time: float
    # Replies: the message replied to, the first message of that reply chain, and the topic thread if any.
    parent_id: str | None = None
    root_id: str | None = None
    thread_id: str | None = None


@dataclass
class MeetingRoom:
    """A bookable meeting room."""

    room_id: str
    name: str
    capacity: int
    building: str
    floor: str


@dataclass
class Calendar:
    """A user's primary calendar."""

    calendar_id: str
    owner_open_id: str
    summary: str
    type: str = "primary"
    permissions: str = "private"


@dataclass
class CalendarEvent:
    """An event on a calendar, optionally in a meeting room."""

    event_id: str
    calendar_id: str
    summary: str
    start_time: float
    end_time: float
    attendee_open_ids: list[str]
    room_id: str | None = None
    # calendar v4 event fields (https://open.feishu.cn/document/server-docs/calendar-v4/calendar-event/create).
    description: str = ""
    timezone: str = "Asia/Shanghai"
    recurrence: str = ""  # an RFC 5545 RRULE body, "" for a single event
    vc_type: str = ""  # "" until the first attendee is added, then Feishu makes it a "vc" meeting
    meeting_url: str = ""
    free_busy_status: str = "busy"
    create_time: float = 0.0
    more_room_ids: list[str] = field(default_factory=list)  # rooms after `room_id`
    declined_room_ids: list[str] = field(default_factory=list)  # rooms that were busy when invited
    all_day: bool = False  # start/end are then UTC midnights of the dates

    def room_ids(self) -> list[str]:
        """Every room invited to the event, booked or declined."""
        return ([self.room_id] if self.room_id else []) + self.more_room_ids

    def booked_room_ids(self) -> list[str]:
        """Rooms that accepted (were free) and so hold this event's time."""
        return [r for r in self.room_ids() if r not in self.declined_room_ids]


@dataclass
class Document:
    """A docx document, held as a title and plain paragraphs."""

    document_id: str
    title: str
    owner_open_id: str
    paragraphs: list[str]
    revision_id: int = 1


@dataclass
class BaseField:
    """A column of a Base table: Feishu's field type number (1 text, 2 number, 3 single select, 4 multi select,
    5 date, 7 checkbox, 11 person, 13 phone, 15 link, 20 formula, 1001 created time, …) and select choices."""

    field_id: str
    name: str
    type: int
    ui_type: str
    options: list[str] = field(default_factory=list)
    is_primary: bool = False


@dataclass
class BaseRecord:
    """A row of a Base table; `fields` maps field names to stored values (person cells hold open_ids)."""

    record_id: str
    fields: dict[str, object]
    created_by: str
    created_time: float
    modified_time: float


@dataclass
class BaseTable:
    """A table inside a Base (bitable) app."""

    table_id: str
    name: str
    fields: list[BaseField]
    records: list[BaseRecord]
    revision: int = 1


@dataclass
class Base:
    """A Base (bitable) app; its owner and editors may write, viewers may only read."""

    app_token: str
    name: str
    owner_open_id: str
    tables: list[BaseTable]
    editors: list[str] = field(default_factory=list)
    viewers: list[str] = field(default_factory=list)
    time_zone: str = "Asia/Shanghai"
    revision: int = 1
    # batch_create client_token → the record ids it created (Feishu's idempotency key).
    applied: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Sheet:
    """One worksheet of a spreadsheet: its grid size and non-empty cells keyed by (row, column), both from 0."""

    sheet_id: str
    title: str
    index: int
    row_count: int = 200
    column_count: int = 20
    cells: dict[tuple[int, int], object] = field(default_factory=dict)


@dataclass
class Spreadsheet:
    """A spreadsheet; its owner and editors may write, viewers may only read."""

    spreadsheet_token: str
    title: str
    owner_open_id: str
    sheets: list[Sheet]
    editors: list[str] = field(default_factory=list)
    viewers: list[str] = field(default_factory=list)
    revision: int = 1


@dataclass
class SentMail:
    """A mail sent with the mail API from a member's mailbox."""

    message_id: str
    thread_id: str
    sender: str
    subject: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    body_html: str
    body_plain_text: str
    sent_at: float
    dedupe_key: str | None = None


@dataclass
class DocxBody:
    """A docx document's blocks (as the docx v1 APIs return them, keyed by block id; the page block's id is the
    document id), the folder it lives in, and who besides its owner may open and edit it."""

    blocks: dict[str, dict[str, object]]
    folder_token: str
    editors: list[str] = field(default_factory=list)
    created: float = 0.0
    modified: float = 0.0
    # Collaborators added through drive.v1.permission_member.create: {"member_type", "member_id", "perm"}.
    shares: list[dict[str, str]] = field(default_factory=list)


@dataclass
class DriveFile:
    """A file or folder in Drive; a folder whose `parent_token` is empty is its owner's root ("My Space")."""

    token: str
    name: str
    type: str  # "file" or "folder"
    parent_token: str
    owner_open_id: str
    created: float
    content: bytes = b""
    shared_with: list[str] = field(default_factory=list)


@dataclass
class WikiNode:
    """A page of a wiki space: a node holding a docx, sheet, bitable … (`obj_token`)."""

    space_id: str
    node_token: str
    obj_token: str
    obj_type: str
    parent_node_token: str
    title: str
    creator: str
    created: float


@dataclass
class WikiSpace:
    """A wiki (knowledge base) space; its members may read and add pages."""

    space_id: str
    name: str
    members: list[str]


@dataclass
class UploadSession:
    """A multipart Drive upload between upload_prepare and upload_finish."""

    upload_id: str
    file_name: str
    parent_node: str
    size: int
    block_size: int
    owner_open_id: str
    created: float
    parts: dict[int, bytes] = field(default_factory=dict)


@dataclass
class Task:
    """A task (v2 shape: guid, summary, due, assignees)."""

    guid: str
    summary: str
    description: str
    creator_open_id: str
    assignee_open_ids: list[str]
    due: float | None = None
    completed_at: float | None = None
    # task v2 fields (https://open.feishu.cn/document/task-v2/task/create).
    due_all_day: bool = False
    follower_open_ids: list[str] = field(default_factory=list)
    created_at: float = 0.0
    updated_at: float = 0.0
    task_id: str = ""  # the short "t123456" number shown in the app


@dataclass
class Tenant:
    """Everything one emulated tenant holds."""

    tenant_key: str
    name: str
    users: list[User] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    chats: dict[str, Chat] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    rooms: list[MeetingRoom] = field(default_factory=list)
    calendars: list[Calendar] = field(default_factory=list)
    events: list[CalendarEvent] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    bases: list[Base] = field(default_factory=list)
    spreadsheets: list[Spreadsheet] = field(default_factory=list)
    mails: list[SentMail] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    # (sender, uuid) of sent messages: Feishu delivers at most one message per uuid within an hour.
    message_uuids: dict[tuple[str, str], Message] = field(default_factory=dict)
    # (creator, client_token) of created tasks with when: task v2 creates one task per token within 5 minutes.
    task_tokens: dict[tuple[str, str], tuple[float, Task]] = field(default_factory=dict)
    # Docs and Drive: docx bodies by document id, files and folders by token, wiki spaces and nodes, multipart
    # uploads in progress, and temporary download codes (code → file token, expiry).
    docx: dict[str, DocxBody] = field(default_factory=dict)
    drive: dict[str, DriveFile] = field(default_factory=dict)
    wiki_spaces: list[WikiSpace] = field(default_factory=list)
    wiki_nodes: dict[str, WikiNode] = field(default_factory=dict)
    uploads: dict[str, UploadSession] = field(default_factory=dict)
    download_codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    _serial: int = 0

    def next_id(self, prefix: str, kind: str) -> str:
        """A new id, deterministic for a given sequence of creations."""
        self._serial += 1
        return prefix + stable_hex(self.tenant_key, kind, str(self._serial))

    def user_by_email(self, email: str) -> User | None:
        """The user with this email (case-insensitive), if any."""
        wanted = email.strip().lower()
        return next((u for u in self.users if u.email == wanted), None)

    def user_by_id(self, id_type: UserIdType, value: str) -> User | None:
        """The user with this id of the given type, if any."""
        return next((u for u in self.users if u.id_of(id_type) == value), None)

    def user_by_mobile(self, mobile: str) -> User | None:
        """The user with this mobile number; matches with or without the +86 prefix."""
        wanted = mobile.strip().removeprefix("+86")
        return next((u for u in self.users if u.mobile.removeprefix("+86") == wanted), None)

    def groups_of(self, member: str) -> list[Chat]:
        """Group chats the member (open_id or BOT) belongs to, oldest first."""
        found = [c for c in self.chats.values() if c.chat_mode == "group" and member in c.members]
        return sorted(found, key=lambda c: (c.create_time, c.chat_id))

    def p2p_chat(self, a: str, b: str, now: float) -> Chat:
        """The direct chat between two members, created on first use like Feishu does."""
        wanted = {a, b}
        for chat in self.chats.values():
            if chat.chat_mode == "p2p" and set(chat.members) == wanted:
                return chat
        chat = Chat(
            chat_id=self.next_id("oc_", "chat"),
            name="",
            description="",
            owner_open_id="",
            chat_mode="p2p",
            members=sorted(wanted),
            create_time=now,
        )
        self.chats[chat.chat_id] = chat
        return chat

    def messages_in(self, chat_id: str) -> list[Message]:
        """Messages of a chat, oldest first."""
        return [m for m in self.messages if m.chat_id == chat_id]

    def add_message(self, chat_id: str, msg_type: str, content: str, sender: str, now: float) -> Message:
        """Store a new message and return it."""
        message = Message(self.next_id("om_", "message"), chat_id, msg_type, content, sender, now)
        self.messages.append(message)
        return message
