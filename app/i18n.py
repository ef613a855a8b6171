"""Language choice: the user's setting, else the browser's preference among en, nl and fr; mail: the user's
setting, else their client's, else the default."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel

#: The languages in their own words (names, shown untranslated).
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}


def select_locale() -> str | None:
    """Return the language for this request."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    if request:
        return request.accept_languages.best_match(languages)
    return None


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the catalogues shipped in ``app/translations``."""
    from app import formatting

    babel.init_app(app, locale_selector=select_locale)
    formatting.init_app(app)

    @app.context_processor
    def _locale() -> dict[str, Any]:
        return {"current_locale": str(get_locale() or "en"), "language_names": LANGUAGE_NAMES}


def recipient_locale(user: Any) -> str:
    """The language of mail to ``user``: their own setting, else their client's, else the default.

    Only mail falls back to the client's language: a page follows the user's setting, else the browser.
    """
    languages = current_app.config["LANGUAGES"]
    if user.locale in languages:
        return str(user.locale)
    client = getattr(user, "client", None)
    if client is not None and client.locale in languages:
        return str(client.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def addresses_by_locale(users: Iterable[Any]) -> dict[str, list[str]]:
    """Group the users' e-mail addresses by the language mail to them is written in (one mail per language)."""
    groups: dict[str, list[str]] = {}
    for user in users:
        groups.setdefault(recipient_locale(user), []).append(user.email)
    return dict(sorted(groups.items()))
