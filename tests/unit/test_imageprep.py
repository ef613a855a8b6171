"""Image preparation chosen by measuring the page: synthetic pages with one known defect each."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from fines.intake import imageprep
from tests import degrade, support

LETTER = Path(__file__).resolve().parents[1] / "fixtures" / "fines" / "antai_avis.txt"


@cache
def clean_page(dpi: int) -> degrade.Grey:
    """A fixture letter drawn on an A4 page at ``dpi``, in grey, without a defect."""
    support.require("a Debian font", degrade.font_path() is not None, "fonts-liberation or fonts-dejavu-core")
    if dpi == degrade.SOURCE_DPI:
        return degrade.page_from_text(LETTER.read_text(encoding="utf-8"))
    return degrade._resize(clean_page(degrade.SOURCE_DPI), dpi)


def fax_page() -> degrade.Grey:
    """The letter as a clean 150 dpi black-and-white page."""
    return np.where(clean_page(150) < 140, 0, 255).astype(np.uint8)


def steps_for(page: degrade.Grey, dpi: float) -> tuple[tuple[str, ...], imageprep.Measures]:
    analysis = imageprep.analyse(page, dpi)
    return imageprep.prepare(analysis).steps, analysis.measures


def test_clean_page_at_200_dpi_is_read_as_it_is() -> None:
    steps, measures = steps_for(clean_page(200), 200)
    assert steps == ()
    assert not measures.border and not measures.bilevel and measures.turn == 0
    assert abs(measures.skew) < imageprep.MIN_SKEW and measures.unevenness < imageprep.UNEVEN


@pytest.mark.parametrize("degrees", [-3.5, -1.0, 2.5])
def test_skewed_page_is_deskewed_by_the_measured_angle(degrees: float) -> None:
    steps, measures = steps_for(degrade._rotate(clean_page(200), degrees, 255), 200)
    assert measures.skew == pytest.approx(-degrees, abs=0.2)
    assert [step for step in steps if step.startswith("deskew")] == [f"deskew {-degrees:+.1f}"]


def test_uneven_light_is_flattened_and_even_light_is_not() -> None:
    page = clean_page(200).astype(np.float32)
    gradient = np.linspace(1.0, 0.45, page.shape[1], dtype=np.float32)[None, :]
    steps, measures = steps_for((page * 0.9 * gradient).astype(np.uint8), 200)
    assert measures.unevenness > imageprep.UNEVEN
    assert "flatten" in steps
    assert "flatten" not in steps_for((page * 0.9).astype(np.uint8), 200)[0]


def test_speckled_fax_is_despeckled_and_its_punctuation_kept() -> None:
    clean = fax_page()
    speckled = clean.copy()
    speckled[np.random.default_rng(15).random(clean.shape) < 0.002] = 0
    steps, measures = steps_for(speckled, 150)
    assert measures.bilevel and measures.speckles > imageprep.SPECKLED
    assert "despeckle" in steps and "soften" in steps
    analysis = imageprep.analyse(speckled, 150)
    assert analysis.specks is not None
    # Every speck removed was added: no ink of the letter itself (full stops, colons, accents) is lost.
    assert not (analysis.specks & (clean == 0)).any()
    added = ((speckled == 0) & (clean != 0)).sum()
    assert analysis.specks.sum() > 0.5 * added
    assert "despeckle" not in steps_for(clean, 150)[0]


def test_low_resolution_page_is_scaled_up_to_the_glyph_size_tesseract_reads_best() -> None:
    steps, measures = steps_for(fax_page(), 150)
    assert measures.glyph < imageprep.LOW_GLYPH
    scale = imageprep.scale_for(measures)
    assert f"scale {scale:.2f}" in steps
    assert measures.glyph * scale == pytest.approx(imageprep.GLYPH_TARGET, rel=0.01)


def test_dark_border_around_a_photographed_sheet_is_cropped() -> None:
    page = clean_page(200)
    height, width = page.shape
    frame = np.full((height + 300, width + 240), 40, np.uint8)
    frame[150:150 + height, 120:120 + width] = (page * 0.85 + 20).astype(np.uint8)
    analysis = imageprep.analyse(frame, 200)
    assert analysis.measures.border and "crop" in analysis.steps
    x, y, w, h = analysis.measures.sheet
    assert abs(x - 120) <= 8 and abs(y - 150) <= 8 and abs(w - width) <= 16 and abs(h - height) <= 16
    assert analysis.picture.shape == (h, w)


@pytest.mark.parametrize(("turns", "upright"), [(1, 270), (2, 180), (3, 90)])
def test_page_on_its_side_or_upside_down_is_turned_upright(turns: int, upright: int) -> None:
    steps, measures = steps_for(np.ascontiguousarray(np.rot90(clean_page(200), turns)), 200)
    assert measures.turn == upright and measures.orientation_sure
    assert f"turn {upright}" in steps
    assert not any(step.startswith("scale") for step in steps)  # the glyphs are measured upright


def test_stacked_lines_keep_their_order_and_places() -> None:
    page = clean_page(200)
    boxes = [(100, 160, 600, 40), (100, 400, 900, 40)]
    strip = imageprep.stack_lines(page, boxes, 1.5)
    assert len(strip.tops) == 2 and strip.tops[0] < strip.tops[1]
    assert strip.heights[0] == round((40 + 2 * 10) * 1.5)
    assert strip.pgm().startswith(b"P5\n")
