"""Every page of every demo role, in Dutch and in French, shows no untranslated catalogue message.

The demo data goes into the test database and each role's pages are reached by the crawler
(links and GET forms only). A page's visible text (labels, buttons, options, placeholders and
titles included; scripts, code and form values left out), with every text value stored in the
database taken out, must not contain the English of a catalogue message whose translation differs.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests import crawl

ROOT = Path(__file__).resolve().parents[2]
# Language names are written in their own language in every interface (the language selector).
AUTONYMS = ("English", "Nederlands", "Français")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdif]|%[sd]|\{[a-z_]*\}")


def english_messages(language: str) -> list[tuple[str, re.Pattern[str]]]:
    """The catalogue's messages worth looking for: translated differently, and more than a short word."""
    from babel.messages.pofile import read_po

    with (ROOT / "app" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    found = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for english in ids:
            if english in strings:
                continue
            literal = PLACEHOLDER.sub(" ", english)
            words = re.findall(r"[A-Za-z]+", literal)
            if not words or (len(words) < 2 and max(len(w) for w in words) < 6):
                continue
            pieces = [re.escape(piece) for piece in PLACEHOLDER.split(english)]
            pattern = r"(?<![\w])" + r".{0,80}?".join(pieces).strip() + r"(?![\w])"
            found.append((english, re.compile(pattern)))
    return found


def stored_texts(app: Any) -> list[str]:
    """Every text value in the database (names, titles, notes...): the data, not the interface."""
    from app.extensions import db

    values: set[str] = set()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text))
                       and not isinstance(c.type, sa.Enum)]
            if not columns:
                continue
            for row in db.session.execute(sa.select(*columns)):
                values.update(str(v) for v in row if v and len(str(v)) >= 3)
    return sorted(values, key=len, reverse=True)


def _set_locale(app: Any, language: str) -> None:
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.execute(sa.update(User).values(locale=language))
        db.session.commit()


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_no_page_of_any_role_shows_an_untranslated_message(app: Any, language: str) -> None:
    crawl.load_demo(app)
    _set_locale(app, language)
    messages = english_messages(language)
    assert len(messages) > 100, "the catalogue looks empty"
    data = stored_texts(app)
    leaks: dict[str, set[str]] = {}
    pages = 0
    for crawler in crawl.crawl_pages(app, headers={"Accept-Language": language}):
        assert not crawler.failures, "\n".join(str(f) for f in crawler.failures)
        for visit in crawler.visits:
            if "lang=" in visit.path and f"lang={language}" not in visit.path:
                continue  # the status page in a language its reader chose (?lang=en) on purpose
            pages += 1
            text = crawl.visible_text(visit.html)
            for value in (*data, *AUTONYMS):
                if value in text:
                    text = text.replace(value, " ¦ ")
            for english, pattern in messages:
                if pattern.search(text):
                    leaks.setdefault(english, set()).add(f"{visit.role} {crawl.shape(visit.path)}")
    assert pages > 40
    report = [f"{english!r} on {', '.join(sorted(where))}" for english, where in sorted(leaks.items())]
    assert not leaks, f"{len(leaks)} English message(s) on {language} pages:\n" + "\n".join(report)


def test_the_check_finds_english_and_ignores_data() -> None:
    text = crawl.visible_text('<p>Bijgewerkt</p><button title="Log out">x</button><script>var s="Save";</script>'
                              '<select><option>Browser\'s choice</option></select><textarea>Save me</textarea>')
    assert "Log out" in text and "Browser's choice" in text
    assert "Save" not in text
