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


@dataclass
class Document:
    """A docx document, held as a title and plain paragraphs."""

    document_id: str
    title: str
    owner_open_id: str
    paragraphs: list[str]
    revision_id: int = 1


@dataclass
class BaseTable:
    """A table inside a Base (bitable) app."""

    table_id: str
    name: str
    fields: list[str]
    records: list[dict[str, object]]


@dataclass
class Base:
    """A Base (bitable) app."""

    app_token: str
    name: str
    owner_open_id: str
    tables: list[BaseTable]


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
    tasks: list[Task] = field(default_factory=list)
    # (sender, uuid) of sent messages: Feishu delivers at most one message per uuid within an hour.
    message_uuids: dict[tuple[str, str], Message] = field(default_factory=dict)
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
