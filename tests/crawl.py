"""Crawl the app as a user would: read a page's links and forms, fill and submit forms, list pages.

Shared by the cross-cutting proofs: the crawler (every link and form for every demo role), the
i18n check (every page in Dutch and French) and the axe-core check (every page in Chromium).
Standard library only: ``html.parser`` reads the markup.
"""
from __future__ import annotations

import io
import re
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from tests import support

DEMO_ROLES = (
    ("admin", "admin@fleetdesk.test"),
    ("agent", "agent@fleetdesk.test"),
    ("client ACME", "fleet@acme-lease.test"),
    ("client BRAFL", "fleet@brabant-fleet.test"),
)
# The public pages, crawled without logging in (the crawl starts at the status page).
ANONYMOUS = ("anonymous", "")
PUBLIC_START = "/status"
# Never followed: leaving the session, static files, the scrape endpoint.
SKIP_PREFIXES = ("/logout", "/static/", "/metrics")
# How many concrete URLs of one shape (numbers in the path replaced, same query keys) are visited.
PER_SHAPE = 3


@dataclass
class Control:
    """One input, select, textarea or button of a form."""

    tag: str
    type: str
    name: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    """A form as the page shows it: where it goes, how, and its controls."""

    action: str
    method: str
    enctype: str
    controls: list[Control] = field(default_factory=list)

    def buttons(self) -> list[Control]:
        return [c for c in self.controls if (c.tag == "button" and c.type == "submit")
                or (c.tag == "input" and c.type in ("submit", "image"))]


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = Form(attrs.get("action", ""), (attrs.get("method") or "get").lower(),
                              attrs.get("enctype", "application/x-www-form-urlencoded"))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            self._form.controls.append(Control("input", (attrs.get("type") or "text").lower(), attrs.get("name", ""),
                                               attrs.get("value", ""), "checked" in attrs, attrs=attrs))
        elif tag == "button":
            self._form.controls.append(Control("button", (attrs.get("type") or "submit").lower(), attrs.get("name", ""),
                                               attrs.get("value", ""), attrs=attrs))
        elif tag == "select":
            self._select = Control("select", "select", attrs.get("name", ""), attrs=attrs)
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (attrs.get("value"), "selected" in attrs)
            self._option_text = ""
        elif tag == "textarea":
            self._textarea = Control("textarea", "textarea", attrs.get("name", ""), attrs=attrs)
            self._form.controls.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" or (tag == "select" and self._option is not None):
            self._close_option()
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value, selected = self._option
            self._select.options.append((self._option_text.strip() if value is None else value, selected))
        self._option = None


def parse_page(html: str) -> tuple[list[str], list[Form]]:
    """Return the hrefs and the forms of a page."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser.links, parser.forms


def same_site_path(base_url: str, href: str) -> str | None:
    """The path and query of ``href`` when it stays on this site and is worth following, else None."""
    if href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    absolute = urljoin(base_url, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc not in ("localhost", urlsplit(base_url).netloc):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def shape(path: str) -> str:
    """A URL's shape: numbers in the path replaced, the query's keys sorted (values dropped)."""
    parts = urlsplit(path)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"/\d+(?=/|\.|$)", "/{id}", parts.path) + ("?" + "&".join(keys) if keys else "")


# -- filling forms ------------------------------------------------------------------------------------


class Filler:
    """Plausible values for a form's fields, by name and type; unique where uniqueness matters."""

    def __init__(self, client_code: str = "ACME") -> None:
        self.count = 0
        self.client_code = client_code

    def text(self, control: Control) -> str:
        self.count += 1
        name = control.name.lower()
        typed = self._typed(control, name)
        return typed if typed is not None else self._named(control, name)

    def _typed(self, control: Control, name: str) -> str | None:
        """What the field's type asks for (e-mail, password, date and moment fields also go by name)."""
        kind = control.type
        today = date.today()
        if kind == "email" or "email" in name:
            return f"crawler{self.count}@example.test"
        if kind == "password" or "password" in name:
            from app.demo import DEMO_PASSWORD

            return DEMO_PASSWORD
        if kind == "date" or name.endswith(("_date", "date")):
            return (today + timedelta(days=1)).isoformat()
        if kind == "datetime-local" or name.endswith(("_at", "starts", "ends")):
            return f"{(today + timedelta(days=8)).isoformat()}T10:00"
        by_type = _BY_TYPE.get(kind)
        return by_type(control) if by_type is not None else None

    def _named(self, control: Control, name: str) -> str:
        """What the field's name asks for, else a line of text."""
        n = self.count
        by_name = (
            ("plate" in name, f"1CRW{n % 1000:03d}"),
            (name == "code" or name.endswith("_code"), f"CRW{n}"),
            ("amount" in name or "price" in name, "58.00"),
            ("reference" in name or "communication" in name, "+++090/9337/55493+++"),
            ("intake" in name and "address" in name, f"crawler{n}@fines.fleetdesk.test"),
            (control.tag == "textarea", f"Written by the crawler ({n})."),
        )
        return next((value for matches, value in by_name if matches), f"Crawler {n}")

    def csv(self) -> bytes:
        today = date.today()
        return ("client_code,contract_number,plate,driver,start_date,end_date,instruction\n"
                f"{self.client_code},CRW-{self.count},1CRW{self.count % 1000:03d},Cora Crawler,"
                f"{(today - timedelta(days=400)).isoformat()},,redirect\n").encode()

    def pdf(self) -> bytes:
        from tests.pdfs import text_pdf

        return text_pdf(["Politiezone Gent", "Proces-verbaal PV-CRAWL-1", "Nummerplaat 1ABC123",
                         f"Datum {date.today().strftime('%d/%m/%Y')}", "Bedrag EUR 58,00"])

    def submission(self, form: Form, button: Control | None) -> dict[str, Any]:
        """The data a browser would send, with the defaults kept and the empty fields filled."""
        data: dict[str, Any] = {}
        radios_done: set[str] = set()
        for control in form.controls:
            if not _sent(control):
                continue
            if control.tag == "select":
                data[control.name] = _selected(control)
            elif control.type == "checkbox":
                if control.checked:
                    data.setdefault(control.name, []).append(control.value or "y")
            elif control.type == "radio":
                if control.name in radios_done:
                    continue
                group = [c for c in form.controls if c.type == "radio" and c.name == control.name]
                picked = next((c for c in group if c.checked), group[0])
                data[control.name] = picked.value
                radios_done.add(control.name)
            elif control.type == "file":
                data[control.name] = self._upload(control)
            elif control.type == "hidden":
                data[control.name] = control.value
            else:
                data[control.name] = control.value if control.value.strip() else self.text(control)
        if button is not None and button.name:
            data[button.name] = button.value
        return data

    def _upload(self, control: Control) -> tuple[io.BytesIO, str, str]:
        """A file for a file field: a contracts CSV where the field says so, else a fine's PDF."""
        accept = (control.attrs.get("accept", "") + " " + control.name).lower()
        if "csv" in accept:
            return (io.BytesIO(self.csv()), "crawler.csv", "text/csv")
        return (io.BytesIO(self.pdf()), "crawler.pdf", "application/pdf")


#: Values for the input types that need nothing from the field's name.
_BY_TYPE: dict[str, Callable[[Control], str]] = {
    "month": lambda _control: date.today().strftime("%Y-%m"),
    "time": lambda _control: "10:00",
    "number": lambda control: control.attrs.get("min") or "1",
    "range": lambda control: control.attrs.get("min") or "1",
    "url": lambda _control: "https://example.test/",
    "tel": lambda _control: "+32 2 555 01 01",
}


def _sent(control: Control) -> bool:
    """Whether a browser sends the control with the form (a button only when pressed: added apart)."""
    if not control.name or "disabled" in control.attrs or control.tag == "button":
        return False
    return not (control.tag == "input" and control.type in ("submit", "image", "reset", "button"))


def _selected(control: Control) -> str | list[str]:
    """What a select sends: its selected options, else its first option with a value."""
    values = [v for v, _s in control.options]
    chosen = [v for v, s in control.options if s]
    if "multiple" in control.attrs:
        return chosen or [v for v in values if v][:1]
    return chosen[0] if chosen and chosen[0] else next((v for v in values if v), "")


def form_key(page_path: str, form: Form, button: Control | None) -> tuple[Any, ...]:
    """What makes two forms "the same form" for the crawler: target shape, method, fields, button."""
    target = form.action or page_path
    hidden = tuple(sorted((c.name, re.sub(r"\d+", "{n}", c.value)) for c in form.controls
                          if c.type == "hidden" and c.name != "csrf_token"))
    names = tuple(sorted({c.name for c in form.controls if c.name}))
    pressed = (button.name, button.value) if button is not None else None
    return (shape(urlsplit(target).path), form.method, hidden, names, pressed)


# -- crawling with the Flask test client -----------------------------------------------------------


@dataclass
class Failure:
    """A 5xx answer: where, what was sent, and the server's traceback."""

    url: str
    method: str
    status: int
    data: dict[str, Any] | None
    traceback: str

    def __str__(self) -> str:
        sent = {k: (v if not isinstance(v, tuple) else f"<file {v[1]}>") for k, v in (self.data or {}).items()
                if k != "csrf_token"}
        return f"{self.method} {self.url} -> {self.status}\n  form: {sent}\n{self.traceback}"


@dataclass
class Visit:
    """A page the crawl saw answer 200 with HTML."""

    role: str
    path: str
    html: str


class Crawler:
    """Follow every link and submit every form once, as one logged-in user, through the test client."""

    def __init__(self, app: Any, role: str, email: str, *, submit_forms: bool = True, max_requests: int = 400,
                 headers: dict[str, str] | None = None, client_code: str = "ACME") -> None:
        self.app = app
        self.role = role
        self.email = email
        self.submit_forms = submit_forms
        self.max_requests = max_requests
        self.headers = headers or {}
        self.client = app.test_client()
        self.filler = Filler(client_code)
        self.failures: list[Failure] = []
        self.visits: list[Visit] = []
        self.requests = 0
        self.seen_paths: set[str] = set()
        self.shapes: dict[str, int] = {}
        self.forms_done: set[tuple[Any, ...]] = set()
        self.submitted: list[str] = []
        self._tracebacks: list[str] = []

    def _record_exception(self, sender: Any, exception: BaseException, **extra: Any) -> None:
        self._tracebacks.append("".join(traceback.format_exception(exception)))

    def login(self) -> None:
        if not self.email:  # the anonymous crawl: public pages only
            return
        response = support.login(self.client, self.email, _demo_password())
        assert response.status_code in (302, 303), f"{self.role} could not log in ({response.status_code})"

    def _request(self, method: str, path: str, data: dict[str, Any] | None = None,
                 content_type: str | None = None) -> Any:
        from flask import got_request_exception

        self.requests += 1
        self._tracebacks.clear()
        got_request_exception.connect(self._record_exception, self.app)
        try:
            if method == "get":
                response = self.client.get(path, headers=self.headers)
            else:
                response = self.client.post(path, data=data, headers=self.headers, content_type=content_type)
        except Exception as exc:  # PROPAGATE_EXCEPTIONS in testing: the exception itself comes back
            self.failures.append(Failure(path, method.upper(), 500, data, "".join(traceback.format_exception(exc))))
            return None
        finally:
            got_request_exception.disconnect(self._record_exception, self.app)
        if response.status_code >= 500:
            self.failures.append(Failure(path, method.upper(), response.status_code, data,
                                         "\n".join(self._tracebacks) or response.get_data(as_text=True)[:2000]))
        return response

    def _want(self, path: str) -> bool:
        if path in self.seen_paths:
            return False
        return self.shapes.get(shape(path), 0) < PER_SHAPE

    def crawl(self, start: str = "/") -> None:
        """Visit ``start`` and everything reachable from it, submitting forms along the way."""
        self.login()
        queue: list[str] = [start]
        while queue and self.requests < self.max_requests:
            path = queue.pop(0)
            if not self._want(path):
                continue
            self.seen_paths.add(path)
            self.shapes[shape(path)] = self.shapes.get(shape(path), 0) + 1
            response = self._get_following(path)
            if response is None:
                continue
            queue.extend(self._read(path, response, queue))

    def _get_following(self, path: str) -> Any:
        response = self._request("get", path)
        hops = 0
        while response is not None and response.status_code in (301, 302, 303, 307, 308) and hops < 5:
            location = urlsplit(response.headers["Location"])
            target = location.path + (f"?{location.query}" if location.query else "")
            if target.startswith("/login") and self.email:  # the session ended (a password change): log in again
                self.login()
                target = path
            response = self._request("get", target)
            hops += 1
        return response

    def _read(self, path: str, response: Any, queue: list[str]) -> list[str]:
        if response.status_code != 200 or response.mimetype != "text/html":
            return []  # downloads are fetched once, not parsed
        html = response.get_data(as_text=True)
        self.visits.append(Visit(self.role, path, html))
        links, forms = parse_page(html)
        found = [p for p in (same_site_path("http://localhost" + path, href) for href in links) if p]
        if self.submit_forms:
            for form in forms:
                found.extend(self._submit_all(path, form))
        else:
            for form in forms:
                if form.method == "get":
                    found.extend(self._get_form_urls(path, form))
        return [p for p in found if p not in queue]

    def _get_form_urls(self, page: str, form: Form) -> list[str]:
        key = form_key(page, form, None)
        if key in self.forms_done:
            return []
        self.forms_done.add(key)
        target = same_site_path("http://localhost" + page, form.action or page)
        if target is None:
            return []
        data = self.filler.submission(form, None)
        query = urlencode([(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])])
        return [urlsplit(target).path + "?" + query]

    def _submit_all(self, page: str, form: Form) -> list[str]:
        if form.method == "get":
            return self._get_form_urls(page, form)
        target = same_site_path("http://localhost" + page, form.action or page)
        if target is None:
            return []  # the logout form
        found: list[str] = []
        for button in form.buttons() or [None]:
            key = form_key(page, form, button)
            if key in self.forms_done or self.requests >= self.max_requests:
                continue
            self.forms_done.add(key)
            data = self.filler.submission(form, button)
            multipart = "multipart" in form.enctype or any(isinstance(v, tuple) for v in data.values())
            self.submitted.append(f"{target} {button.value if button else ''}".strip())
            response = self._request("post", target, data,
                                     "multipart/form-data" if multipart else "application/x-www-form-urlencoded")
            if response is None:
                continue
            if response.status_code in (301, 302, 303):
                location = urlsplit(response.headers["Location"])
                after = location.path + (f"?{location.query}" if location.query else "")
                if after.startswith("/login"):
                    self.login()
                    continue
                # The page after the action shows what it changed (and the next verbs): read it again.
                self.seen_paths.discard(after)
                found.insert(0, after)
                self.shapes[shape(after)] = min(self.shapes.get(shape(after), 0), PER_SHAPE - 1)
            elif response.status_code == 200 and response.mimetype == "text/html":
                # A form shown again with its errors may offer more (or be the same): read its links.
                links, _forms = parse_page(response.get_data(as_text=True))
                found.extend(p for p in (same_site_path("http://localhost" + target, h) for h in links) if p)
        return found


def _demo_password() -> str:
    from app.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def load_demo(app: Any) -> None:
    """Load the demo data (every feature's demo loader) into the test database."""
    from app.demo import load_demo_data

    with app.app_context():
        load_demo_data(app)


def client_code_of(role: str) -> str:
    return role.rsplit(maxsplit=1)[-1] if role.startswith("client") else "ACME"


def crawl_pages(app: Any, headers: dict[str, str] | None = None,
                roles: tuple[tuple[str, str], ...] = DEMO_ROLES) -> Iterator[Crawler]:
    """Crawl every demo role's pages by links and GET forms only (nothing is changed)."""
    for role, email in (*roles, ANONYMOUS):
        crawler = Crawler(app, role, email, submit_forms=False, headers=headers, client_code=client_code_of(role))
        crawler.crawl(start="/" if email else PUBLIC_START)
        yield crawler


# -- visible text ---------------------------------------------------------------------------------


class _TextParser(HTMLParser):
    """The text a reader sees: no scripts, styles, code, form values or data attributes."""

    SKIP = frozenset({"script", "style", "code", "pre", "textarea", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.depth += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title", "alt") and value:
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.chunks.append(data)


def visible_text(html: str) -> str:
    """The page's words as a reader gets them (labels included), one space between pieces."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return re.sub(r"\s+", " ", " ".join(parser.chunks))

