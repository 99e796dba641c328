"""One settings class, read from `LARKGATE_*` environment variables and validated once at start."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from larkgate.errors import ConfigError

Brand = Literal["feishu", "lark"]

# Feishu hosts per brand: (accounts host for the browser sign-in, open API host).
BRAND_HOSTS: dict[str, tuple[str, str]] = {
    "feishu": ("https://accounts.feishu.cn", "https://open.feishu.cn"),
    "lark": ("https://accounts.larksuite.com", "https://open.larksuite.com"),
}

# What a member is asked to grant at first sign-in; `offline_access` is what makes Feishu return a refresh token.
DEFAULT_SCOPES = (
    "offline_access",
    "contact:user.base:readonly",
    # Finding people by name or email as the member (search.v1.user.search).
    "contact:user:search",
    "im:message",
    # Sending as the user needs this one as well as im:message (open.feishu.cn docs, im-v1/message/create).
    "im:message.send_as_user",
    "im:chat:readonly",
)


class Settings(BaseSettings):
    """Every setting of the gateway; each field's env var is `LARKGATE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="LARKGATE_", extra="ignore", validate_default=True)

    sandbox: bool = Field(False, description="Serve the built-in Feishu emulator under /_sandbox and use it.")
    sandbox_rate_limit: float = Field(
        50.0, ge=0, description="Sandbox only: calls per second per (token, API) before 429 + 99991400; 0 = off."
    )
    host: str = Field("127.0.0.1", description="Interface to bind.")
    port: int = Field(8000, ge=0, le=65535, description="Port to bind (0 picks a free one).")
    data_dir: Path = Field(Path("./larkgate-data"), description="Where the SQLite file and generated keys live.")
    public_url: str | None = Field(
        None, description="External base URL of the gateway (https in production); defaults to http://host:port."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy async URL; default sqlite+aiosqlite:///<data_dir>/larkgate.db."
    )

    app_id: str | None = Field(None, description="Feishu app id (cli_…).")
    app_secret: SecretStr | None = Field(None, description="Feishu app secret.")
    brand: Brand = Field("feishu", description="feishu (open.feishu.cn) or lark (open.larksuite.com).")
    accounts_base_url: str | None = Field(None, description="Override the accounts (sign-in) host.")
    open_base_url: str | None = Field(None, description="Override the open API host.")
    scopes: str = Field(" ".join(DEFAULT_SCOPES), description="Feishu scopes requested at sign-in, space separated.")
    extra_scopes_allowed: str = Field(
        "*", description="Scopes incremental sign-in may ask for, space separated; * allows any scope."
    )

    master_key: SecretStr | None = Field(None, description="Base64 of 32 random bytes; wraps the data keys.")
    master_key_id: str = Field("k1", pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="Id of master_key.")
    old_master_keys: SecretStr | None = Field(
        None, description="Retired keys still able to decrypt, as `id=base64,id=base64`."
    )

    toolsets: str = Field("all", description="Toolsets that exist on this gateway: all, or a comma list.")
    default_toolsets: str = Field(
        "core,im,calendar", description="Toolsets a connection gets when its URL names none (?toolsets= picks others)."
    )
    read_only: bool = Field(False, description="Make every connection read-only.")
    stateless: bool = Field(False, description="Stateless Streamable HTTP (no MCP sessions), for N replicas.")
    max_request_bytes: int = Field(1_000_000, ge=1024, description="Largest accepted request body.")
    mcp_access_ttl: int = Field(3600, ge=60, description="Lifetime of our MCP access tokens, seconds.")
    mcp_refresh_ttl: int = Field(30 * 86400, ge=3600, description="Lifetime of our MCP refresh tokens, seconds.")
    cimd_allow_private: bool = Field(
        False, description="Let client metadata documents be fetched from private / loopback addresses (tests, dev)."
    )
    refresh_margin: int = Field(600, ge=0, description="Refresh a Feishu user token when fewer seconds remain.")
    refresher_interval: float = Field(300.0, ge=0, description="Seconds between background refresher sweeps; 0 off.")
    log_format: Literal["human", "json"] = Field("human", description="Log line format.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Log level.")

    @field_validator("public_url", "accounts_base_url", "open_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError("must be an http(s) URL without query or fragment")
        return value.rstrip("/")

    @property
    def base_url(self) -> str:
        """The gateway's external base URL, without a trailing slash."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def mcp_url(self) -> str:
        """The MCP endpoint members paste into their client."""
        return f"{self.base_url}/mcp"

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite file in the data dir, unless a database URL is set."""
        return None if self.database_url else self.data_dir.resolve() / "larkgate.db"

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        return self.database_url or f"sqlite+aiosqlite:///{self.sqlite_file}"

    @property
    def feishu_hosts(self) -> tuple[str, str]:
        """(accounts base URL, open API base URL) for this app."""
        if self.sandbox:
            sandbox = f"{self.base_url}/_sandbox"
            return self.accounts_base_url or sandbox, self.open_base_url or sandbox
        accounts, open_api = BRAND_HOSTS[self.brand]
        return self.accounts_base_url or accounts, self.open_base_url or open_api

    @property
    def scope_list(self) -> list[str]:
        """Sign-in scopes, always including offline_access."""
        scopes = self.scopes.split()
        return scopes if "offline_access" in scopes else ["offline_access", *scopes]

    def missing_for_production(self) -> list[str]:
        """Names of the env vars production mode needs but lacks."""
        needed = {
            "LARKGATE_APP_ID": self.app_id,
            "LARKGATE_APP_SECRET": self.app_secret,
            "LARKGATE_PUBLIC_URL": self.public_url,
            "LARKGATE_MASTER_KEY": self.master_key,
        }
        return [name for name, value in needed.items() if not value]


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (overrides win) and turn validation failures into one ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"LARKGATE_{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None
