"""The Dutch and French catalogues cover every English string and are compiled."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"


def _extract(tmp_path: Path) -> set[str]:
    out = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "--no-location", str(ROOT)],
                   check=True, cwd=ROOT)
    with out.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_catalogue_translates_every_source_string(tmp_path: Path, lang: str) -> None:
    source = _extract(tmp_path)
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale=lang)
    translated = {m.id for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = source - translated
    assert not missing, f"untranslated in {lang}: {sorted(missing)} (pybabel extract/update, translate, compile)"


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
