"""`larkgate serve | users | catalog` — a thin shell over the package."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from larkgate.errors import ConfigError, LarkgateError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="larkgate", description="Remote MCP gateway to Feishu / Lark.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--sandbox", action="store_true", default=None, help="use the built-in Feishu emulator")
    serve.add_argument("--host", help="interface to bind (LARKGATE_HOST)")
    serve.add_argument("--port", type=int, help="port to bind, 0 for any free one (LARKGATE_PORT)")
    serve.add_argument("--data-dir", type=Path, help="SQLite file and generated keys (LARKGATE_DATA_DIR)")

    users = commands.add_parser("users", help="list or revoke authorized members")
    users.add_argument("--data-dir", type=Path, help="data dir of the gateway (LARKGATE_DATA_DIR)")
    users_sub = users.add_subparsers(dest="action")
    users_sub.add_parser("list", help="list members (the default)")
    revoke = users_sub.add_parser("revoke", help="remove a member's grants and tokens")
    revoke.add_argument("user", help="the member's id (first column of `larkgate users`)")

    catalog = commands.add_parser("catalog", help="the Open API catalog behind lark_discover / lark_invoke")
    catalog_sub = catalog.add_subparsers(dest="action", required=True)
    catalog_sub.add_parser("stats", help="count APIs by domain")
    generate = catalog_sub.add_parser("generate", help="regenerate the data file from the pinned lark-oapi SDK")
    generate.add_argument("--sdk", help="the lark_oapi package folder (default: the installed one)")
    generate.add_argument("--out", help="output file (default: the packaged data file)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `larkgate` command."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "catalog":
            return catalog(args)
        return asyncio.run(users(args))
    except LarkgateError as exc:
        print(f"larkgate: {exc.message}", file=sys.stderr)
        return 2


def _overrides(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def serve(args: argparse.Namespace) -> int:
    """Run the gateway until SIGINT/SIGTERM; in-flight requests finish before the database closes."""
    import uvicorn

    from larkgate.app import build_runtime, create_app
    from larkgate.logs import configure
    from larkgate.server import GatewayServer
    from larkgate.settings import load_settings

    settings = load_settings(**_overrides(args, "sandbox", "host", "port", "data_dir"))
    configure(settings.log_format, settings.log_level)
    # IPPROTO_TCP explicitly: asyncio enables TCP_NODELAY only on sockets that say so, and without it every reused
    # connection waits ~40 ms on delayed ACKs.
    sock = socket.socket(
        socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        raise ConfigError(f"cannot bind {settings.host}:{settings.port}: {exc.strerror}") from None
    # Listen before announcing the URL, so early connections queue instead of being refused.
    sock.listen(2048)
    # The real port is only known after binding (port 0), and the public URL defaults to it.
    settings = settings.model_copy(update={"port": sock.getsockname()[1]})
    runtime = build_runtime(settings)
    app = create_app(runtime)
    print(
        f"larkgate {'sandbox ' if settings.sandbox else ''}ready: add this MCP server URL to your client:", flush=True
    )
    print(f"  {settings.mcp_url}", flush=True)
    config = uvicorn.Config(
        app, log_config=None, access_log=False, timeout_graceful_shutdown=30, lifespan="on", server_header=False
    )
    GatewayServer(config).run(sockets=[sock])
    return 0


def catalog(args: argparse.Namespace) -> int:
    """`larkgate catalog stats` and `larkgate catalog generate`."""
    if args.action == "generate":
        from larkgate.catalog import generate

        argv = [flag for name in ("sdk", "out") if getattr(args, name) for flag in (f"--{name}", getattr(args, name))]
        return generate.main(argv)
    from larkgate.catalog.catalog import load_catalog, stats

    counts = stats(load_catalog())
    print(f"{counts['total']} APIs ({', '.join(f'{k}: {v}' for k, v in counts['sources'].items())})")
    print(f"{'domain':<24} {'apis':>5} {'user':>5} {'paged':>6} {'destr.':>6} {'upload':>6}")
    for domain, row in counts["domains"].items():
        print(
            f"{domain:<24} {row['apis']:>5} {row['user_identity']:>5} {row['paginated']:>6} "
            f"{row['destructive']:>6} {row['uploads']:>6}"
        )
    return 0


async def users(args: argparse.Namespace) -> int:
    """`larkgate users [list]` and `larkgate users revoke <id>`."""
    from larkgate.settings import load_settings
    from larkgate.store.engine import Database
    from larkgate.store.users import list_users, revoke_user

    settings = load_settings(**_overrides(args, "data_dir"))
    if settings.sqlite_file is not None and not settings.sqlite_file.is_file():
        # Listing a data dir the gateway never used would create an empty database there and report no members.
        raise ConfigError(
            f"no larkgate database in {settings.data_dir}: point --data-dir (LARKGATE_DATA_DIR) at the gateway's data "
            "dir, or set LARKGATE_DATABASE_URL"
        )
    db = Database(settings.sqlalchemy_url)
    try:
        await db.migrate()
        if args.action == "revoke":
            if not await revoke_user(db, args.user):
                raise ConfigError(f"no member with id {args.user!r}")
            print(f"revoked {args.user}: grants, MCP tokens and Feishu tokens removed")
            return 0
        rows = await list_users(db)
        if not rows:
            print("no members have signed in yet")
            return 0
        print(f"{'id':<36}  {'email':<28}  {'name':<20}  {'status':<15}  last active")
        for user, _status in rows:
            active = time.strftime("%Y-%m-%d %H:%M", time.localtime(user.last_active_at))
            print(f"{user.pk:<36}  {(user.email or '-'):<28}  {user.name[:20]:<20}  {user.status:<15}  {active}")
        return 0
    finally:
        await db.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
