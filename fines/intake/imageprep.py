"""Prepare a scanned, faxed or photographed page for OCR, by measuring the page first.

An adapter over numpy and OpenCV (the headless wheel): whole-array operations only. ``analyse``
measures a grey page and does the steps every reading shares (cropping the dark border around a
photographed sheet, evening out the light); ``prepare`` then makes the picture one reading gets
(despeckled, deskewed, turned upright, scaled; ``larger`` for a second reading).

What is measured, and what it triggers (the approach of OCRmyPDF, unpaper and Leptonica):

- the **sheet**: the largest bright region of the frame; when a dark border surrounds it (a phone
  shot on a table), everything outside it is cut off and painted white;
- **uneven light**: the page's background, estimated by a grey closing (text removed) of a small
  copy; when it varies by more than ``UNEVEN`` of its brightness the page is divided by it
  (flat-field), which leaves white paper and dark ink everywhere;
- **speckles**: specks of ink (a few pixels) that lie where no punctuation lies, per square inch;
  above ``SPECKLED`` they are removed (a full stop, a comma, a colon, an apostrophe, the dot of an
  i or an accent sits at a known place by its glyph and is kept);
- **skew**: the angle whose horizontal projection of the ink is sharpest (Leptonica's and
  unpaper's method), searched within ±``MAX_SKEW``°; corrected beyond ``MIN_SKEW``°;
- **orientation**: whether text lines run across (0°/180°) or down (90°/270°) the page, again
  from the projections; then which way is up, from the ink above the x-height band of every text
  line (ascenders and capitals) against the ink below it (descenders), as Leptonica's
  ``pixOrientDetect`` does;
- **resolution**: the median height of the glyphs in pixels; a page whose glyphs are smaller than
  ``GLYPH_TARGET`` px (a 150 dpi scan or fax) is upscaled, a page with much larger glyphs (a
  12-megapixel photo) is scaled down, so Tesseract sees text of the size it reads best;
- **noise**: the standard deviation of the sensor noise (Immerkær's estimate, made robust with a
  median); with uneven light, it puts Sauvola's binarisation first among the second readings
  (``fines.intake.pdftext``).
- **black and white**: a page with no grey between its black and white (a fax) has its edges
  softened before it is scaled up.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np
import numpy.typing as npt

__all__ = ["Analysis", "Measures", "Prepared", "Strip", "analyse", "prepare", "stack_lines", "turned_over"]

Grey = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]

# One thread: a page is prepared inside the PDF worker, which reads one document at a time under a
# CPU limit; OpenCV's thread pool would only spread the same work over more cores.
cv2.setNumThreads(1)

#: Long side, in pixels, of the small copy that page-wide measures (sheet, light, skew) use.
MEASURE_SIDE = 1000
#: The outer ring (share of the frame) that must be mostly dark for the frame to have a border,
#: and how much brighter (grey levels) the paper must be than that ring.
RING = 0.02
BORDER_CONTRAST = 40.0
#: Background varying by more than this share of its brightness: divide the page by it.
UNEVEN = 0.08
#: Isolated specks per square inch above which a page is despeckled (a clean page has ~0).
SPECKLED = 2.0
#: Skew searched within ± this many degrees, corrected when larger than MIN_SKEW.
MAX_SKEW = 6.0
MIN_SKEW = 0.2
#: Median glyph height (px) Tesseract reads best; outside [LOW_GLYPH, HIGH_GLYPH] the page is rescaled.
GLYPH_TARGET = 24.0
LOW_GLYPH = 19.0
HIGH_GLYPH = 48.0
MAX_UPSCALE = 3.0
#: How much more the LARGER variant scales the page.
LARGER = 1.5
#: Gaussian sigma (px) that softens a black-and-white page's edges before it is scaled up.
SOFTEN = 0.6
#: Ascender ink over descender ink: above UPRIGHT the page is upright, below 1/UPRIGHT upside down.
UPRIGHT = 1.3
#: Sensor noise (sigma, grey levels) above which a page counts as noisy.
NOISY = 6.0


@dataclass(frozen=True)
class Measures:
    """What was measured on a page (sizes in pixels of the page as given, angles in degrees)."""

    dpi: float
    width: int
    height: int
    border: bool               # a dark border surrounds the sheet
    sheet: tuple[int, int, int, int]  # x, y, width, height of the sheet (the whole frame without border)
    unevenness: float          # (p95 - p5) / p95 of the background within the sheet
    noise: float               # standard deviation of the sensor noise
    bilevel: bool              # only black and white (a fax, a 1-bit scan)
    speckles: float            # isolated specks per square inch
    glyph: float               # median glyph height, px (0: no glyphs found)
    skew: float                # counter-clockwise angle of the text lines
    turn: int                  # 0, 90, 180 or 270: counter-clockwise turn that makes the page upright
    upright: float             # ascender ink / descender ink after that turn (1: unknown)

    @property
    def orientation_sure(self) -> bool:
        """Whether the ascender measure told which way is up."""
        return self.upright >= UPRIGHT

    @property
    def rough(self) -> bool:
        """Noisy or unevenly lit: an adaptive binarisation may read it better than a global one."""
        return self.noise > NOISY or self.unevenness > UNEVEN


@dataclass(frozen=True)
class Analysis:
    """A measured page and its sheet, cropped and with its light evened out (shared by every reading)."""

    measures: Measures
    picture: Grey              # the sheet, cropped, outside painted white, flat-fielded when uneven
    specks: Mask | None        # its isolated specks of ink, if any
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Prepared:
    """The picture one reading gets: grey pixels, its resolution, and what was done to it."""

    image: Grey
    dpi: int
    steps: tuple[str, ...]

    def pgm(self) -> bytes:
        """The picture as a binary PGM, which Tesseract reads from stdin."""
        height, width = self.image.shape
        return b"P5\n%d %d\n255\n" % (width, height) + np.ascontiguousarray(self.image).tobytes()


# --------------------------------------------------------------------------- analysis


def analyse(grey: Grey, dpi: float) -> Analysis:
    """Measure a grey page and crop/flatten it; ``dpi`` is its declared resolution."""
    height, width = grey.shape
    small, factor = _small(grey)
    steps: list[str] = []
    sheet_mask, border = _sheet(small)
    x, y, w, h = _box(sheet_mask, factor, width, height) if border else (0, 0, width, height)
    picture = grey[y:y + h, x:x + w]
    inside = None
    if border:
        steps.append("crop")
        inside = _inside(sheet_mask, factor, x, y, w, h)
    bilevel = _bilevel(picture)
    noise = 0.0 if bilevel else _noise(picture)
    background = _background(picture, dpi)
    unevenness = _unevenness(background, None if inside is None else _small_mask(inside, background.shape))
    if unevenness > UNEVEN:
        full = cv2.resize(background, (picture.shape[1], picture.shape[0]), interpolation=cv2.INTER_LINEAR)
        picture = np.asarray(cv2.divide(picture, full, scale=255), dtype=np.uint8)
        steps.append("flatten")
    if inside is not None:
        picture = np.where(inside, picture, np.uint8(255)).astype(np.uint8)
    ink = _ink(picture)
    blobs = _blobs(ink, dpi)
    skew, turn, upright = _orientation(ink, dpi)
    measures = Measures(dpi=dpi, width=width, height=height, border=border, sheet=(x, y, w, h),
                        unevenness=unevenness, noise=noise, bilevel=bilevel,
                        speckles=blobs.speck_count / max(ink.size / (dpi * dpi), 1e-6),
                        glyph=blobs.glyph_across if turn in (90, 270) else blobs.glyph,
                        skew=skew, turn=turn, upright=upright)
    return Analysis(measures, np.ascontiguousarray(picture), blobs.specks, tuple(steps))


def _small(grey: Grey) -> tuple[Grey, float]:
    """A copy whose long side is MEASURE_SIDE (never larger than the page), and its scale factor."""
    factor = min(1.0, MEASURE_SIDE / max(grey.shape))
    if factor == 1.0:
        return grey, 1.0
    size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
    return np.asarray(cv2.resize(grey, size, interpolation=cv2.INTER_AREA), dtype=np.uint8), factor


def _sheet(small: Grey) -> tuple[Mask, bool]:
    """The sheet and whether a dark border (a table around a photographed sheet) surrounds it.

    The frame's outer ring tells the border's brightness, its centre the paper's; everything
    brighter than a third of the way from the one to the other is paper (a shadow on the sheet
    included), and the sheet is the convex hull of the largest such region (text, holes and shadow
    bays filled in).
    """
    blurred = cv2.GaussianBlur(small, (0, 0), 2.0)
    ring = max(2, round(max(small.shape) * RING))
    edge = np.ones(small.shape, bool)
    edge[ring:-ring, ring:-ring] = False
    height, width = small.shape
    centre = blurred[height // 4: height - height // 4, width // 4: width - width // 4]
    outside, paper = float(np.median(blurred[edge])), float(np.percentile(centre, 90))
    whole = np.ones(small.shape, bool)
    if paper - outside < BORDER_CONTRAST:
        return whole, False
    bright = (blurred > outside + (paper - outside) / 3).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if count < 2:
        return whole, False
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    contours, _ = cv2.findContours((labels == largest).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    sheet = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(sheet, cv2.convexHull(max(contours, key=cv2.contourArea)), 1)
    share = float(sheet.mean())
    dark_edge = float(np.mean(sheet[edge] == 0))
    if dark_edge > 0.5 and 0.25 < share < 0.97:
        return sheet.astype(bool), True
    return whole, False


def _box(sheet: Mask, factor: float, width: int, height: int) -> tuple[int, int, int, int]:
    """The sheet's bounding box in the page's pixels."""
    ys, xs = np.nonzero(sheet)
    x0, x1 = int(xs.min() / factor), math.ceil((xs.max() + 1) / factor)
    y0, y1 = int(ys.min() / factor), math.ceil((ys.max() + 1) / factor)
    return max(0, x0), max(0, y0), min(width, x1) - max(0, x0), min(height, y1) - max(0, y0)


def _inside(sheet: Mask, factor: float, x: int, y: int, w: int, h: int) -> Mask:
    """The sheet's mask within its box, at the page's resolution, a little inside its edge."""
    margin = max(3, round(max(sheet.shape) * 0.005)) | 1
    eroded = cv2.erode(sheet.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (margin, margin)))
    full = cv2.resize(eroded, (round(sheet.shape[1] / factor), round(sheet.shape[0] / factor)),
                      interpolation=cv2.INTER_NEAREST)
    crop = np.zeros((h, w), bool)
    part = full[y:y + h, x:x + w].astype(bool)
    crop[:part.shape[0], :part.shape[1]] = part
    return crop


def _background(picture: Grey, dpi: float) -> Grey:
    """The page's background on a small copy (a grey closing removes the ink)."""
    small, factor = _small(picture)
    size = max(3, round(dpi * factor * 0.3)) | 1  # wider than any glyph (0.3 inch)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    return np.maximum(np.asarray(cv2.medianBlur(closed, 5), dtype=np.uint8), np.uint8(1))


def _small_mask(mask: Mask, shape: tuple[int, ...]) -> Mask:
    return np.asarray(cv2.resize(mask.astype(np.uint8), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST),
                      dtype=bool)


def _unevenness(background: Grey, inside: Mask | None) -> float:
    """(p95 - p5) / p95 of the background (within the sheet)."""
    values = background[inside] if inside is not None else background.ravel()
    if values.size == 0:
        return 0.0
    low, high = np.percentile(values, [5, 95])
    return float((high - low) / max(high, 1.0))


def _bilevel(picture: Grey) -> bool:
    """Only black and white: hardly any grey among the pixels that are not white (anti-aliased or
    scanned ink has grey edges, a fax has none)."""
    histogram = cv2.calcHist([picture], [0], None, [256], [0, 256]).ravel()
    return float(histogram[32:224].sum()) <= 0.02 * max(float(histogram[:224].sum()), 1.0)


def _noise(picture: Grey) -> float:
    """Sensor noise sigma: Immerkær's Laplacian-difference filter over the page's middle, robust
    through the median (edges of glyphs are a minority of the pixels)."""
    height, width = picture.shape
    middle = picture[height // 4: height - height // 4: 2, width // 4: width - width // 4: 2]
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = cv2.filter2D(middle.astype(np.float32), -1, kernel)
    return float(np.median(np.abs(response)) / 0.6745 / 6.0)


def _ink(picture: Grey) -> Mask:
    """Dark pixels, by Otsu's threshold (the page is even by now)."""
    _, dark = cv2.threshold(picture, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    return np.asarray(dark, dtype=np.uint8) > 0


@dataclass(frozen=True)
class _Blobs:
    """The ink's connected components, measured once: glyph height, isolated specks."""

    glyph: float               # median height of the glyph-sized components, px (0: too few)
    glyph_across: float        # the same, had the page been turned by 90°
    specks: Mask | None        # the isolated specks, when there are any
    speck_count: int


def _blobs(ink: Mask, dpi: float) -> _Blobs:
    """Glyph height and specks from one labelling of the ink.

    A speck is a component of a few pixels (at most 0.0004 square inch, 9 px at 150 dpi). It goes
    unless it sits where punctuation sits by a glyph (``_punctuation_zones``): a full stop, a comma,
    a colon's dot, an i's dot and an accent stay; dust on a fax between the lines or before a digit
    goes.
    """
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    widths = stats[1:, cv2.CC_STAT_WIDTH].astype(np.float64)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    glyph, glyph_across = _glyph_size(heights, widths, areas, dpi), _glyph_size(widths, heights, areas, dpi)
    dash = (widths >= 2 * heights) & (widths >= 0.02 * dpi)  # a hyphen, however thin, is no speck
    small = (areas <= max(2.0, 0.0004 * dpi * dpi)) & (np.maximum(heights, widths) <= max(2.0, 0.03 * dpi)) & ~dash
    if not small.any():
        return _Blobs(glyph, glyph_across, None, 0)
    cell = max(1, round(dpi * 0.01))
    glyphs = ~small & (heights >= 0.04 * dpi) & (heights <= 0.5 * dpi)
    zones = _punctuation_zones(np.asarray(stats[1:][glyphs], np.int32), ink.shape, dpi, cell)
    cx = np.clip((centroids[1:, 0] / cell).astype(np.int64), 0, zones.shape[1] - 1)
    cy = np.clip((centroids[1:, 1] / cell).astype(np.int64), 0, zones.shape[0] - 1)
    px = np.clip(np.rint(centroids[1:, 0]).astype(np.int64), 0, ink.shape[1] - 1)
    py = np.clip(np.rint(centroids[1:, 1]).astype(np.int64), 0, ink.shape[0] - 1)
    specks = small & ~zones[cy, cx] & ~_stacked(px, py, small, ink.shape, dpi)
    speck_count = int(specks.sum())
    if not speck_count:
        return _Blobs(glyph, glyph_across, None, 0)
    return _Blobs(glyph, glyph_across, np.concatenate(([False], specks))[labels], speck_count)


def _stacked(xs: npt.NDArray[np.int64], ys: npt.NDArray[np.int64], small: npt.NDArray[np.bool_],
             shape: tuple[int, ...], dpi: float) -> npt.NDArray[np.bool_]:
    """Which components have a small one straight above or below them, 0.02 to 0.07 inch away (the
    two dots of a colon standing apart, as French sets it: ``Date d'envoi : ...``)."""
    marks = np.zeros((shape[0], shape[1]), np.uint8)
    marks[ys[small], xs[small]] = 1
    reach, hole = max(2, round(0.07 * dpi)), max(1, round(0.02 * dpi))
    kernel = np.ones((2 * reach + 1, 3), np.uint8)
    kernel[reach - hole: reach + hole + 1, :] = 0
    return np.asarray(cv2.dilate(marks, kernel)[ys, xs] > 0, dtype=bool)


def _glyph_size(heights: npt.NDArray[np.float64], widths: npt.NDArray[np.float64], areas: npt.NDArray[np.float64],
                dpi: float) -> float:
    """The median height of the glyph-sized components (0 when fewer than 20), in pixels whatever
    the declared resolution (a photo declares none worth trusting)."""
    fits = (heights >= 6) & (heights <= max(12.0, dpi * 0.6)) & (widths <= heights * 2.5) & (areas >= heights * 0.6)
    return float(np.median(heights[fits])) if int(fits.sum()) >= 20 else 0.0


def _punctuation_zones(glyphs: npt.NDArray[np.int32], shape: tuple[int, ...], dpi: float, cell: int) -> Mask:
    """Where punctuation may sit, on a grid of ``cell``-pixel cells: along each glyph's foot (full
    stops, commas, a colon's lower dot), just above its head (dots on i and j, accents) and close
    beside it (a colon's upper dot, an apostrophe).

    The rectangles are added up as a summed-area table (four corners each, then two running sums).
    """
    rows, cols = shape[0] // cell + 1, shape[1] // cell + 1
    x0, y0 = glyphs[:, cv2.CC_STAT_LEFT], glyphs[:, cv2.CC_STAT_TOP]
    x1, y1 = x0 + glyphs[:, cv2.CC_STAT_WIDTH], y0 + glyphs[:, cv2.CC_STAT_HEIGHT]
    inch = dpi / cell
    boxes = (
        # along the foot: from a little before the glyph to a full stop's width after it
        (x0 / cell - 0.02 * inch, y1 / cell - 0.025 * inch, x1 / cell + 0.045 * inch, y1 / cell + 0.025 * inch),
        # above the head: an i's dot, an accent, a diaeresis
        (x0 / cell - 0.01 * inch, y0 / cell - 0.06 * inch, x1 / cell + 0.01 * inch, y0 / cell + 0.01 * inch),
        # close beside the glyph, head to foot: a colon's upper dot, an apostrophe
        (x1 / cell, y0 / cell - 0.01 * inch, x1 / cell + 0.04 * inch, y1 / cell),
    )
    table = np.zeros((rows + 1, cols + 1), np.int32)
    for left, top, right, bottom in boxes:
        xa = np.clip(np.floor(left), 0, cols).astype(np.int64)
        xb = np.clip(np.ceil(right), 0, cols).astype(np.int64)
        ya = np.clip(np.floor(top), 0, rows).astype(np.int64)
        yb = np.clip(np.ceil(bottom), 0, rows).astype(np.int64)
        np.add.at(table, (ya, xa), 1)
        np.add.at(table, (ya, xb), -1)
        np.add.at(table, (yb, xa), -1)
        np.add.at(table, (yb, xb), 1)
    return np.asarray(table.cumsum(axis=0).cumsum(axis=1)[:rows, :cols] > 0, dtype=bool)


# --------------------------------------------------------------------------- skew and orientation


def _density(ink: Mask, dpi: float, target: float = 100.0) -> npt.NDArray[np.float32]:
    """Ink density at about ``target`` dpi (the projections need no more)."""
    factor = min(1.0, target / max(dpi, 1.0))
    size = (max(1, round(ink.shape[1] * factor)), max(1, round(ink.shape[0] * factor)))
    return np.asarray(cv2.resize(ink.astype(np.float32), size, interpolation=cv2.INTER_AREA), np.float32)


def _sharpness(density: npt.NDArray[np.float32], angle: float) -> float:
    """How sharp the rows' ink profile is once the picture is turned by ``angle``: the sum of the
    squared differences of consecutive row sums (Leptonica's pixFindSkew measure)."""
    if angle:
        height, width = density.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        density = np.asarray(cv2.warpAffine(density, matrix, (width, height), flags=cv2.INTER_LINEAR), np.float32)
    rows = density.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def _search(density: npt.NDArray[np.float32], angles: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The angle among ``angles`` whose row profile is sharpest, and its sharpness."""
    scores = [_sharpness(density, float(angle)) for angle in angles]
    index = int(np.argmax(scores))
    return round(float(angles[index]), 2), float(scores[index])


def _orientation(ink: Mask, dpi: float) -> tuple[float, int, float]:
    """The text's skew, the turn (multiple of 90°, counter-clockwise) that makes it upright, and the
    ascender/descender ratio that decided between a turn and its opposite.

    The search is coarse (every 0.5°, both ways round, at 50 dpi) then fine (every 0.1°, at 100 dpi).
    """
    if not ink.any():
        return 0.0, 0, 1.0
    coarse, fine = _density(ink, dpi, 50.0), _density(ink, dpi, 100.0)
    angles = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    across, across_score = _search(coarse, angles)
    down, down_score = _search(np.ascontiguousarray(np.rot90(coarse)), angles)
    base, angle = 0, across
    if down_score > across_score * 1.5:  # the lines run down the page: it lies on its side
        base, angle = 90, down
        fine = np.ascontiguousarray(np.rot90(fine))
    skew, _ = _search(fine, np.arange(angle - 0.4, angle + 0.4 + 1e-9, 0.1))
    # Ascenders are a few pixels tall: they are counted at up to 200 dpi.
    sharp = _density(ink, dpi, 200.0)
    ratio = _ascender_ratio(_turned(sharp, skew, base))
    if ratio < 1.0:
        return skew, (base + 180) % 360, 1.0 / max(ratio, 1e-6)
    return skew, base, ratio


def _turned(image: npt.NDArray[np.float32], angle: float, turn: int) -> npt.NDArray[np.float32]:
    if angle:
        height, width = image.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        image = np.asarray(cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR), np.float32)
    return np.ascontiguousarray(np.rot90(image, k=turn // 90)) if turn else image


def _ascender_ratio(density: npt.NDArray[np.float32]) -> float:
    """Ink above the x-height band of each text line over ink below it (above 1: upright).

    Text lines are the runs of rows holding ink; within a line the x-height band is where the row
    profile is at least half its peak. Capitals, digits and ascenders reach above it; only a few
    letters (g, j, p, q, y) reach below it.
    """
    rows = density.sum(axis=1, dtype=np.float64)
    if rows.max(initial=0.0) <= 0:
        return 1.0
    inked = rows > rows.max() * 0.03
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inked.astype(np.int8), [0]))))
    above = below = 0.0
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        line = rows[start:end]
        if line.size < 4:
            continue
        core = np.flatnonzero(line >= line.max() * 0.5)
        above += float(line[:core[0]].sum())
        below += float(line[core[-1] + 1:].sum())
    if above + below <= 0:
        return 1.0
    return (above + 1.0) / (below + 1.0)


# --------------------------------------------------------------------------- preparation


def scale_for(measures: Measures) -> float:
    """How much to scale the page so its glyphs are about GLYPH_TARGET px tall (1.0: as it is)."""
    if not measures.glyph:
        return 1.0 if measures.dpi >= 200 else min(MAX_UPSCALE, 300.0 / max(measures.dpi, 1.0))
    if LOW_GLYPH <= measures.glyph <= HIGH_GLYPH:
        return 1.0
    return float(min(MAX_UPSCALE, max(0.35, GLYPH_TARGET / measures.glyph)))


def prepare(analysis: Analysis, *, larger: bool = False) -> Prepared:
    """The picture for one reading: despeckled, deskewed, turned upright and scaled as measured
    (``larger``: LARGER times more, for a second reading of small or broken glyphs)."""
    measures = analysis.measures
    steps = list(analysis.steps)
    picture = analysis.picture
    if measures.speckles > SPECKLED and analysis.specks is not None:
        picture = np.where(analysis.specks, np.uint8(255), picture).astype(np.uint8)
        steps.append("despeckle")
    scale = scale_for(measures) * (LARGER if larger else 1.0)
    if measures.bilevel and scale > 1.0:
        # Black-and-white pixels scaled up keep their staircase edges: soften them first, so the
        # resampled page is grey at the edges and Tesseract's threshold draws smooth glyphs
        # (what Leptonica's scale-to-grey does for binary images).
        picture = np.asarray(cv2.GaussianBlur(picture, (0, 0), SOFTEN), dtype=np.uint8)
        steps.append("soften")
    skew = measures.skew if abs(measures.skew) >= MIN_SKEW else 0.0
    if skew or scale != 1.0:
        picture = _warp(picture, skew, scale)
        steps += ([f"deskew {skew:+.1f}"] if skew else []) + ([f"scale {scale:.2f}"] if scale != 1.0 else [])
    turn = measures.turn
    if turn:
        picture = np.asarray(cv2.rotate(picture, _ROTATIONS[turn]), dtype=np.uint8)
        steps.append(f"turn {turn}")
    if larger:
        steps.append("larger")
    return Prepared(picture, max(1, round(measures.dpi * scale)), tuple(steps))


_ROTATIONS = {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}


@dataclass(frozen=True)
class Strip:
    """Lines cut out of a page and stacked one under the other, white between them."""

    image: Grey
    tops: tuple[int, ...]      # where each line's piece starts on the strip
    heights: tuple[int, ...]

    def pgm(self) -> bytes:
        """The strip as a binary PGM."""
        height, width = self.image.shape
        return b"P5\n%d %d\n255\n" % (width, height) + np.ascontiguousarray(self.image).tobytes()


def stack_lines(image: Grey, boxes: list[tuple[int, int, int, int]], zoom: float) -> Strip:
    """Cut each box (left, top, width, height) out of ``image`` with a margin, enlarge it by
    ``zoom`` and stack the pieces in the order given, with white between them."""
    pieces: list[Grey] = []
    for left, top, width, height in boxes:  # one slice per line
        pad = max(2, height // 4)
        piece = image[max(0, top - pad): top + height + pad, max(0, left - 2 * pad): left + width + 2 * pad]
        if zoom != 1.0:
            piece = np.asarray(cv2.resize(piece, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC), np.uint8)
        pieces.append(piece)
    gap = max(12, int(max(piece.shape[0] for piece in pieces) * 0.6))
    canvas = np.full((sum(piece.shape[0] + gap for piece in pieces) + gap,
                      max(piece.shape[1] for piece in pieces) + 2 * gap), 255, np.uint8)
    tops: list[int] = []
    y = gap
    for piece in pieces:
        canvas[y:y + piece.shape[0], gap:gap + piece.shape[1]] = piece
        tops.append(y)
        y += piece.shape[0] + gap
    return Strip(canvas, tuple(tops), tuple(piece.shape[0] for piece in pieces))


def _warp(picture: Grey, angle: float, scale: float) -> Grey:
    """Rotate by ``angle`` (counter-clockwise) and scale in one resampling, growing the frame to fit."""
    height, width = picture.shape
    radians = math.radians(angle)
    cos, sin = abs(math.cos(radians)), abs(math.sin(radians))
    out_w = max(1, round((width * cos + height * sin) * scale))
    out_h = max(1, round((width * sin + height * cos) * scale))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, scale)
    matrix[0, 2] += out_w / 2 - width / 2
    matrix[1, 2] += out_h / 2 - height / 2
    interpolation = cv2.INTER_CUBIC if scale > 1.0 else cv2.INTER_LINEAR
    return np.asarray(cv2.warpAffine(picture, matrix, (out_w, out_h), flags=interpolation,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=255), dtype=np.uint8)


def turned_over(analysis: Analysis) -> Analysis:
    """The same analysis, the page taken the other way up (a reading turned by 180° read better)."""
    measures = analysis.measures
    return replace(analysis, measures=replace(measures, turn=(measures.turn + 180) % 360),
                   steps=(*analysis.steps, "turned over"))
