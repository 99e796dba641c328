"""Numbered full-page screenshots of what a test saw, kept as CI artifacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Page


@dataclass
class Screens:
    """Saves `01-<name>.png`, `02-<name>.png`… in the order a test takes them."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    async def take(self, page: Page, name: str) -> Path:
        """A full-page screenshot of `page`."""
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path
