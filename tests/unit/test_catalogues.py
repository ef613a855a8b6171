"""The Dutch and French catalogues cover every English string and are compiled."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"


def _key(message: Message) -> tuple[str | None, object]:
    return message.context, _plain(message.id)


def _extract(tmp_path: Path) -> set[tuple[str | None, object]]:
    """Every message of the source and templates, with its context, as the workflow extracts them."""
    out = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from app import i18n_tools;"
                    " i18n_tools.extract(Path(sys.argv[1]))", str(out)], check=True, cwd=ROOT)
    with out.open("rb") as fh:
        return {_key(m) for m in read_po(fh) if m.id}


def _catalogue(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _strings(value: object) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_catalogue_translates_every_source_string(tmp_path: Path, lang: str) -> None:
    source = _extract(tmp_path)
    translated = {_key(m) for m in _catalogue(lang) if m.id and all(_strings(m.string)) and not m.fuzzy}
    missing = source - translated
    assert not missing, f"untranslated in {lang}: {sorted(map(str, missing))} (run `fleetdesk i18n`, translate)"


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_catalogue_has_no_fuzzy_or_empty_entry(lang: str) -> None:
    bad = [str(_key(m)) for m in _catalogue(lang) if m.id and (m.fuzzy or not all(_strings(m.string)))]
    assert not bad, f"fuzzy or empty in {lang}: {bad}"


PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdif]|%[sdif]|\{[a-z_]+\}")


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_translations_keep_the_placeholders_of_the_english(lang: str) -> None:
    wrong = []
    for m in _catalogue(lang):
        if not m.id:
            continue
        english = {p for text in _strings(m.id) for p in PLACEHOLDER.findall(text)}
        for text in filter(None, _strings(m.string)):  # an empty one is the test above's
            found = set(PLACEHOLDER.findall(text))
            # A plural form may leave out the count (``one page``), never add or rename a placeholder.
            if not found <= english or (isinstance(m.id, str) and found != english):
                wrong.append(f"{m.id!r} -> {text!r}")
        in_forms = {p for text in _strings(m.string) for p in PLACEHOLDER.findall(text)}
        if not isinstance(m.id, str) and all(_strings(m.string)) and not english <= in_forms:
            wrong.append(f"{m.id!r}: a placeholder is missing from every form")
    assert not wrong, f"placeholders differ in {lang}:\n" + "\n".join(wrong)


# French typography: a non-breaking space (U+00A0 or the narrow U+202F) before : ; ? ! and inside « »,
# and the typographic apostrophe (l’amende), one way throughout.
FRENCH_PUNCTUATION = re.compile(r"(?<![\u00a0\u202f])[:;?!](?=\s|$|\))|«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»|'")


def french_typography_errors(text: str) -> list[str]:
    """The places in ``text`` where French wants a non-breaking space and has none (or a breaking one)."""
    return [text[max(0, m.start() - 12):m.end() + 1] for m in FRENCH_PUNCTUATION.finditer(text)]


def test_french_catalogue_puts_non_breaking_spaces_before_double_punctuation() -> None:
    wrong = [f"{m.id!r} -> {text!r}" for m in _catalogue("fr") if m.id for text in _strings(m.string)
             if french_typography_errors(text)]
    assert not wrong, "French spaces missing, or a straight apostrophe:\n" + "\n".join(wrong)


def test_the_typography_check_sees_breaking_and_missing_spaces() -> None:
    assert french_typography_errors("Client : ACME")
    assert french_typography_errors("Client: ACME")
    assert french_typography_errors("« ACME »")
    assert french_typography_errors("l'amende")
    assert not french_typography_errors("Client\u00a0: ACME\u202f; «\u00a0l’amende\u00a0» à 08:30")


def _plain(value: object) -> object:
    """A plural message is a tuple in a .po file and a list in a .mo file: compare them as tuples."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_compiled_catalogue_matches_its_source(lang: str) -> None:
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as fh:
        po = {_plain(m.id): _plain(m.string) for m in read_po(fh, locale=lang) if m.id}
    with (folder / "messages.mo").open("rb") as fh:
        mo = {_plain(m.id): _plain(m.string) for m in read_mo(io.BufferedReader(fh)) if m.id}  # type: ignore[arg-type]
    assert po == mo, f"run `pybabel compile -d app/translations` ({lang})"
