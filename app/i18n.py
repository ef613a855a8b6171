"""Language choice: the user's setting, else the browser's preference among en, nl and fr."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel


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
    def _locale() -> dict[str, str]:
        return {"current_locale": str(get_locale() or "en")}


def recipient_locale(user: Any) -> str:
    """The language of mail to ``user``: their own setting, else the default (a client has no language of its own)."""
    if user.locale in current_app.config["LANGUAGES"]:
        return str(user.locale)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def addresses_by_locale(users: Iterable[Any]) -> dict[str, list[str]]:
    """Group the users' e-mail addresses by the language mail to them is written in (one mail per language)."""
    groups: dict[str, list[str]] = {}
    for user in users:
        groups.setdefault(recipient_locale(user), []).append(user.email)
    return dict(sorted(groups.items()))
