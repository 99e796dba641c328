"""Configuration of one emulated Feishu tenant and the one app installed in it."""

from __future__ import annotations

from dataclasses import dataclass, field

from larkgate.clock import Clock, SystemClock

# Scopes the sandbox knows, with the English and Chinese labels its consent page shows.
SCOPE_LABELS: dict[str, tuple[str, str]] = {
    "offline_access": ("Keep access while you are away (refresh token)", "离线访问已授权数据"),
    "contact:user.base:readonly": ("Read users' basic profile", "获取用户基本信息"),
    "contact:user.email:readonly": ("Read users' email addresses", "获取用户邮箱信息"),
    "contact:user.id:readonly": ("Look up user IDs by email or mobile", "通过手机号或邮箱获取用户 ID"),
    "contact:user.employee_id:readonly": ("Read users' user ID", "获取用户 user ID"),
    "contact:user.phone:readonly": ("Read users' mobile numbers", "获取用户手机号"),
    "contact:contact.base:readonly": ("Read basic contact information", "获取通讯录基本信息"),
    "contact:contact:readonly": ("Read the contact directory", "读取通讯录"),
    "contact:contact:readonly_as_app": ("Read the contact directory as the app", "以应用身份读取通讯录"),
    "contact:department.base:readonly": ("Read departments' basic information", "获取部门基础信息"),
    "contact:user:search": ("Search users by name", "搜索用户"),
    "search:message": ("Search messages you can see", "获取消息搜索结果"),
    "im:message.group_msg:get_as_user": ("Read group messages as the user", "以用户身份获取群聊消息"),
    "im:message.p2p_msg:get_as_user": ("Read direct messages as the user", "以用户身份获取单聊消息"),
    "im:message": ("Read and send direct and group messages", "获取与发送单聊、群组消息"),
    "im:message:send_as_bot": ("Send messages as the app", "以应用的身份发消息"),
    "im:message.send_as_user": ("Send messages as the user", "以用户身份发送消息"),
    "im:message:readonly": ("Read direct and group messages", "获取单聊、群组消息"),
    "im:message.group_msg": ("Read all messages in groups", "获取群组中所有消息"),
    "im:chat": ("Read and update group information", "获取与更新群组信息"),
    "im:chat:readonly": ("Read group information", "获取群组信息"),
    "calendar:calendar": ("Read and update calendars and events", "更新日历及日程信息"),
    "calendar:calendar:readonly": ("Read calendars and events", "获取日历、日程及忙闲信息"),
    "calendar:calendar.free_busy:read": ("Read free/busy of calendars", "读取日历忙闲信息"),
    "vc:room:readonly": ("Read meeting rooms", "获取会议室信息"),
    "docx:document": ("Create and edit documents", "创建及编辑新版文档"),
    "docx:document:readonly": ("Read documents", "查看新版文档"),
    "drive:drive": ("Read and manage files in Drive", "查看、评论、编辑和管理云空间中所有文件"),
    "drive:drive:readonly": ("Read files in Drive", "查看、评论和下载云空间中所有文件"),
    "bitable:app": ("Read and edit Base apps", "查看、评论、编辑和管理多维表格"),
    "bitable:app:readonly": ("Read Base apps", "查看、评论和导出多维表格"),
    "base:app:read": ("Read Base app information", "获取多维表格信息"),
    "base:table:read": ("Read Base tables", "查看数据表"),
    "base:field:read": ("Read Base fields", "查看字段"),
    "base:record:retrieve": ("Search Base records", "根据条件搜索记录"),
    "base:record:create": ("Create Base records", "新增记录"),
    "sheets:spreadsheet": ("Read and edit spreadsheets", "查看、评论、编辑和管理电子表格"),
    "sheets:spreadsheet:readonly": ("Read spreadsheets", "查看、评论和导出电子表格"),
    "sheets:spreadsheet:read": ("Read spreadsheet contents", "查看电子表格"),
    "sheets:spreadsheet:write_only": ("Write spreadsheet contents", "编辑电子表格"),
    "mail:user_mailbox.message:send": ("Send mail as the user", "发送邮件"),
    "task:task:read": ("Read tasks", "查看任务"),
    "task:task:write": ("Create and update tasks", "查看、创建、更新、删除任务"),
    "wiki:wiki": ("Read and edit wiki spaces", "查看、编辑和管理知识库"),
    "wiki:wiki:readonly": ("Read wiki spaces", "查看知识库"),
}

DEFAULT_ENABLED_SCOPES = frozenset(SCOPE_LABELS)


@dataclass
class SandboxConfig:
    """Knobs of one emulated tenant; every lifetime is in seconds and every time comes from `clock`."""

    app_id: str = "cli_sandbox0000000001"
    app_secret: str = "sandbox-app-secret"  # noqa: S105 - a sandbox-only value, not a secret
    # Exact redirect URIs the app accepts; empty allows any http(s) URI on 127.0.0.1 / localhost.
    redirect_uris: list[str] = field(default_factory=list)
    clock: Clock = field(default_factory=SystemClock)
    access_ttl: int = 7200
    refresh_ttl: int = 604800
    code_ttl: int = 300
    tenant_token_ttl: int = 7200
    # Token bucket per (token, api); 0 turns rate limiting off.
    rate_limit_per_second: float = 50.0
    enabled_scopes: frozenset[str] = DEFAULT_ENABLED_SCOPES
    app_name: str = "larkgate (sandbox)"
    tenant_name: str = "Sandbox Tenant / 沙箱租户"
    max_body_bytes: int = 1_000_000
    control_api: bool = True


def scope_label(scope: str) -> tuple[str, str]:
    """(English, Chinese) label of a scope; unknown scopes label as themselves."""
    return SCOPE_LABELS.get(scope, (scope, scope))
