"""A minimal browser without JavaScript: follows redirects, keeps cookies (as a browser on loopback does, Secure ones
included), parses HTML forms and submits them. Enough to drive the consent and sign-in pages like a person would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx2


@dataclass
class Button:
    name: str | None
    value: str
    text: str


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)


@dataclass
class Page:
    url: str
    status: int
    text: str
    headers: httpx2.Headers
    forms: list[Form]
    links: list[tuple[str, str]] = field(default_factory=list)

    def link(self, label: str) -> str:
        for href, text in self.links:
            if label.lower() in text.lower():
                return urljoin(self.url, href)
        raise AssertionError(f"no link {label!r} on {self.url}")

    def form_with_button(self, label: str) -> tuple[Form, Button]:
        for form in self.forms:
            for button in form.buttons:
                if label.lower() in button.text.lower() or label.lower() == (button.value or "").lower():
                    return form, button
        raise AssertionError(f"no button {label!r} on {self.url}: {self.text[:500]}")


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[tuple[str, str]] = []
        self._button: Button | None = None
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self._link = [a["href"], ""]
            self.links.append(("", ""))
        elif tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get").upper()))
        elif not self.forms:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if kind == "submit":
                self.forms[-1].buttons.append(Button(name, a.get("value", ""), a.get("value", "")))
            elif kind == "radio" and name:
                self.forms[-1].radios.setdefault(name, []).append(a.get("value", ""))
                if "checked" in a:
                    self.forms[-1].fields[name] = a.get("value", "")
            elif kind == "checkbox" and name:
                if "checked" in a:
                    self.forms[-1].fields[name] = a.get("value", "on")
            elif name:
                self.forms[-1].fields[name] = a.get("value", "")
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = Button(a.get("name"), a.get("value", ""), "")
            self.forms[-1].buttons.append(self._button)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._button = None
        if tag == "a" and self._link is not None:
            self.links[-1] = (self._link[0], self._link[1])
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.text += data.strip()
        if self._link is not None:
            self._link[1] += data.strip()


class Browser:
    """Cookie-keeping, form-submitting HTTP client; stops before leaving for `stop_at` (the client's redirect URI)."""

    def __init__(self, client: httpx2.AsyncClient, stop_at: str | None = None) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.stop_at = stop_at
        self.history: list[str] = []

    async def open(self, url: str) -> Page:
        return await self._request("GET", url, None)

    async def follow(self, page: Page, label: str) -> Page:
        return await self._request("GET", page.link(label), None)

    async def submit(self, page: Page, label: str, **overrides: str) -> Page:
        form, button = page.form_with_button(label)
        data = dict(form.fields)
        data.update(overrides)
        if button.name:
            data[button.name] = button.value
        action = urljoin(page.url, form.action or page.url)
        if form.method == "GET":
            return await self._request("GET", str(httpx2.URL(action, params=data)), None)
        return await self._request("POST", action, data)

    async def _request(self, method: str, url: str, data: dict[str, str] | None) -> Page:
        for _ in range(20):
            self.history.append(url)
            if self.stop_at and url.startswith(self.stop_at):
                return Page(url, 0, "", httpx2.Headers(), [])
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
            if method == "POST":
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
                headers["Origin"] = origin
                response = await self.client.post(url, data=data, headers=headers)
            else:
                response = await self.client.get(url, headers=headers)
            for raw in response.headers.get_list("set-cookie"):
                name, _, rest = raw.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in raw.lower() or not value:
                    self.cookies.pop(name.strip(), None)
                else:
                    self.cookies[name.strip()] = value
            if response.status_code in (301, 302, 303, 307, 308):
                url = urljoin(url, response.headers["location"])
                if response.status_code in (301, 302, 303):
                    method, data = "GET", None
                continue
            parser = _FormParser()
            parser.feed(response.text)
            return Page(url, response.status_code, response.text, response.headers, parser.forms, parser.links)
        raise AssertionError("too many redirects")
