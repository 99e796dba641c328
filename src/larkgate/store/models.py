"""Tables. Secrets we only compare are stored as SHA-256 hex; secrets we must use are envelope-encrypted blobs."""

from __future__ import annotations

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every larkgate table."""


class OAuthClient(Base):
    """An MCP client known to our authorization server: registered by DCR, or a fetched CIMD document."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(2048), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "dcr" | "cimd"
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    info: Mapped[dict[str, object]] = mapped_column(JSON)  # OAuthClientInformationFull without the secret
    created_at: Mapped[float] = mapped_column(Float)
    fetched_at: Mapped[float | None] = mapped_column(Float)  # CIMD: when the document was last fetched


class User(Base):
    """A member who signed in to Feishu through the gateway, per Feishu app."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("app_id", "open_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64))
    open_id: Mapped[str] = mapped_column(String(64))
    union_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))  # Feishu's tenant-scoped user_id, when visible
    tenant_key: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(256), default="")
    en_name: Mapped[str | None] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(320))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | reauth_required
    created_at: Mapped[float] = mapped_column(Float)
    last_active_at: Mapped[float] = mapped_column(Float)


class FeishuToken(Base):
    """A user's Feishu token pair, envelope-encrypted; one row per user (the user row is per app)."""

    __tablename__ = "feishu_tokens"

    user_pk: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))  # master key that wrapped the data key
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)  # {"access_token", "refresh_token"} as JSON
    scopes: Mapped[str] = mapped_column(Text, default="")
    access_expires_at: Mapped[float] = mapped_column(Float)
    refresh_expires_at: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every write
    claimed_until: Mapped[float] = mapped_column(Float, default=0.0)  # background refresher's row claim
    updated_at: Mapped[float] = mapped_column(Float)


class Grant(Base):
    """A member's approval of one MCP client; tokens and codes hang off it, revoking it revokes them."""

    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_pk: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(2048))
    scopes: Mapped[str] = mapped_column(Text, default="")
    resource: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float)


class McpToken(Base):
    """One of our opaque MCP tokens, by hash. Refresh tokens chain: `parent_hash` is the one this replaced."""

    __tablename__ = "mcp_tokens"
    __table_args__ = (Index("ix_mcp_tokens_grant", "grant_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # access | refresh
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(2048))
    user_pk: Mapped[str] = mapped_column(String(36))
    scopes: Mapped[str] = mapped_column(Text, default="")
    resource: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    parent_hash: Mapped[str | None] = mapped_column(String(64))
    used_at: Mapped[float | None] = mapped_column(Float)


class AuthCode(Base):
    """An authorization code we issued to an MCP client, by hash; `used_at` set on exchange detects replay."""

    __tablename__ = "auth_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(2048))
    user_pk: Mapped[str] = mapped_column(String(36))
    scopes: Mapped[str] = mapped_column(Text, default="")
    code_challenge: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(Text)
    redirect_uri_provided_explicitly: Mapped[bool] = mapped_column(default=True)
    resource: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float)


class AuthRequest(Base):
    """A sign-in in progress, held server-side: consent → Feishu sign-in → callback.

    `id` is the value of our consent form's hidden field and of Feishu's `state`; `browser_hash` binds it to the
    `__Host-` cookie of the browser that started it; `csrf_hash` is the consent form's CSRF token.
    """

    __tablename__ = "auth_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # login | incremental
    stage: Mapped[str] = mapped_column(String(16))  # consent | feishu | done
    browser_hash: Mapped[str | None] = mapped_column(String(64))
    csrf_hash: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(2048))
    user_pk: Mapped[str | None] = mapped_column(String(36))  # incremental: the user the link was made for
    params: Mapped[dict[str, object]] = mapped_column(JSON)  # redirect_uri, state, code_challenge, scopes, resource
    feishu_scopes: Mapped[str] = mapped_column(Text, default="")
    key_id: Mapped[str | None] = mapped_column(String(32))
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_verifier: Mapped[bytes | None] = mapped_column(LargeBinary)  # our PKCE verifier towards Feishu
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)


class AuditEvent(Base):
    """One line of the audit trail: who called what, with which outcome (never arguments' secrets)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_user_at", "user_pk", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    user_pk: Mapped[str | None] = mapped_column(String(36))
    client_id: Mapped[str | None] = mapped_column(String(2048))
    action: Mapped[str] = mapped_column(String(128))  # tool name or auth event
    outcome: Mapped[str] = mapped_column(String(32))  # ok | error code
    detail: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
