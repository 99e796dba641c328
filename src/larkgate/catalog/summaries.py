"""Our hand-written summaries (`summaries.toml`): one-liners and keywords per service, resource and notable API.

They give search the words people actually use ("recall", "撤回", "会议室") and give every API a readable summary
even though the SDK carries none we may reuse.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUMMARIES_FILE = Path(__file__).with_name("summaries.toml")


@dataclass(frozen=True, slots=True)
class Blurb:
    """A one-line summary and its search keywords."""

    summary: str = ""
    keywords: str = ""


@dataclass(frozen=True)
class Summaries:
    """All hand-written text, keyed like API ids: `im`, `im.message`, `im.v1.message.delete`, verbs by word."""

    services: dict[str, Blurb] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    resources: dict[str, Blurb] = field(default_factory=dict)
    apis: dict[str, Blurb] = field(default_factory=dict)
    verbs: dict[str, str] = field(default_factory=dict)

    def verb_keywords(self, method: str) -> str:
        """Keywords for the words of a method name (`batch_create` -> batch + create keywords)."""
        words = [method, *method.split("_")]
        return " ".join(self.verbs[w] for w in dict.fromkeys(words) if w in self.verbs)

    def api_summary(self, domain: str, resource: str, method: str, api_id: str) -> str:
        """One-line summary of an API: ours when written, else built from its method and resource."""
        own = self.apis.get(api_id)
        if own and own.summary:
            return own.summary
        action = method.replace("_", " ")
        noun = resource.replace("_", " ")
        context = self.resources.get(f"{domain}.{resource}") or self.services.get(domain) or Blurb()
        head = f"{action[:1].upper()}{action[1:]} {noun}"
        return f"{head} — {context.summary}" if context.summary else head


def _blurb(raw: Any) -> Blurb:
    return Blurb(summary=str(raw.get("summary", "")), keywords=str(raw.get("keywords", "")))


def load_summaries(path: Path = SUMMARIES_FILE) -> Summaries:
    """Read the summaries file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    services: dict[str, Blurb] = {}
    categories: dict[str, str] = {}
    resources: dict[str, Blurb] = {}
    for name, raw in data.get("services", {}).items():
        services[name] = _blurb(raw)
        categories[name] = str(raw.get("category", ""))
        for resource, res_raw in raw.get("resources", {}).items():
            resources[f"{name}.{resource}"] = _blurb(res_raw)
    apis = {api_id: _blurb(raw) for api_id, raw in data.get("apis", {}).items()}
    verbs = {str(k): str(v) for k, v in data.get("verbs", {}).items()}
    return Summaries(services=services, categories=categories, resources=resources, apis=apis, verbs=verbs)
