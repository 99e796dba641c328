"""Drive tool paths the sandbox does not reach: odd Feishu answers, text detection, upload limits."""

from collections.abc import Mapping
from typing import Any

import pytest
from tests.tools.fakes import FakeContext

from larkgate.errors import InputError
from larkgate.feishu.client import FeishuResponse
from larkgate.feishu.transfer import Download
from larkgate.tools import drive
from larkgate.tools.drive import DownloadInput, UploadInput, _as_text, download, upload


class TransferContext(FakeContext):
    """A FakeContext that also answers uploads and downloads."""

    def __init__(self, routes: dict[tuple[str, str], Any], got: Download | None = None) -> None:
        super().__init__(routes)
        self.got = got
        self.uploads: list[tuple[str, Mapping[str, str], tuple[str, bytes]]] = []

    async def upload(self, path: str, *, fields: Mapping[str, str], file: tuple[str, bytes]) -> FeishuResponse:
        self.uploads.append((path, fields, file))
        return FeishuResponse({"file_token": "boxcnNEW"}, "log-u")

    async def download(self, path: str, *, query: Mapping[str, Any] | None = None, max_bytes: int) -> Download:
        assert self.got is not None
        return self.got


def test_text_detection() -> None:
    assert _as_text("中文".encode(), "application/octet-stream") == "中文"
    assert _as_text(b"a\x00b", "application/octet-stream") is None
    assert _as_text(b"a\x00b", "text/plain") == "a\x00b"
    assert _as_text(b"\xff\xfe", "text/plain") is None


async def test_multipart_needs_a_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drive, "UPLOAD_ALL_MAX", 2)
    ctx = TransferContext(
        {
            ("GET", drive.ROOT): {"token": "nodcnROOT"},
            ("POST", f"{drive.FILES}/upload_prepare"): {"upload_id": "u", "block_size": 0},
        }
    )
    with pytest.raises(InputError, match="block_size"):
        await upload(ctx, UploadInput(file_name="a.txt", content="abc"))  # type: ignore[arg-type]


async def test_upload_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drive, "MAX_UPLOAD", 2)
    with pytest.raises(InputError, match="at most 2 can be uploaded"):
        await upload(TransferContext({}), UploadInput(file_name="a.txt", content="abc"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="plain name"):
        await upload(TransferContext({}), UploadInput(file_name="  ", content="abc"))  # type: ignore[arg-type]


async def test_a_big_file_without_a_temporary_url() -> None:
    got = Download(b"", False, "application/pdf", None, 10_000_000, "log")
    ctx = TransferContext({("GET", drive.TMP_URLS): {"tmp_download_urls": []}}, got)
    out = await download(ctx, DownloadInput(file="boxcnBIG1"))  # type: ignore[arg-type]
    assert (out.download_url, out.name, out.size, out.content) == (None, None, 10_000_000, None)
