"""Language choice: the user's setting, else the browser's preference among en, nl and fr."""
from __future__ import annotations

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
