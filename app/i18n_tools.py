"""The translation workflow in one command: extract the English messages, update and compile the catalogues.

Run ``fleetdesk i18n`` (or ``python -m app.i18n_tools``) after changing user-facing text, translate
the entries it lists in ``app/translations/{nl,fr}/LC_MESSAGES/messages.po``, and run it again.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
LANGUAGES = ("nl", "fr")
#: The translation functions the extractor knows besides Babel's defaults (``_``, ``gettext``,
#: ``ngettext``, ``pgettext``...): Flask-Babel's lazy ones, as the code imports them.
KEYWORDS = ("_l", "lazy_gettext", "lazy_pgettext:1c,2", "lazy_ngettext:1,2")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = TEMPLATE) -> None:
    """Collect every translatable message of the source and templates into ``output``."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    _babel("extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-location", "--sort-output",
           "-o", str(output), str(ROOT))


def untranslated(language: str) -> list[str]:
    """The messages of a catalogue that have no translation yet, or a fuzzy one."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle, locale=language)
    missing = []
    for message in catalogue:
        if not message.id:
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        if message.fuzzy or not all(strings):
            ident = message.id if isinstance(message.id, str) else message.id[0]
            missing.append(f"{message.context}|{ident}" if message.context else ident)
    return missing


def update_catalogues() -> dict[str, list[str]]:
    """Extract, update the Dutch and French catalogues (no fuzzy guesses, no obsolete entries) and compile them.

    Returns the messages still to translate per language; they compile as English until translated.
    """
    extract()
    _babel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete",
           "--width", "100")
    _babel("compile", "-d", str(TRANSLATIONS))
    return {language: untranslated(language) for language in LANGUAGES}


@click.command("i18n")
def i18n_command() -> None:
    """Extract the messages, update the nl and fr catalogues and compile them; list what is left to translate."""
    left = update_catalogues()
    for language, messages in left.items():
        click.echo(f"{language}: {len(messages)} message(s) to translate")
        for message in messages:
            click.echo(f"  {message}")
    if any(left.values()):
        sys.exit(1)


if __name__ == "__main__":
    i18n_command()
