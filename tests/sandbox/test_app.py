from starlette.types import Message

from larkgate.sandbox import Sandbox


async def test_app_is_built_once_and_passes_lifespan_through(sandbox: Sandbox) -> None:
    app = sandbox.app()
    assert sandbox.app() is app
    inbox: list[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    await app({"type": "lifespan", "state": {}}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert sandbox.stats.requests == 0
