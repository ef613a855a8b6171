"""Make copies of fine letters as they really arrive: office scans, faxes, phone shots and photos.

A clean page (a text PDF rendered, or a fixture's text drawn with a Debian font) is rendered at
``SOURCE_DPI`` in grey and then degraded, deterministically from a seed, as one of four kinds:

- ``office``: 150 dpi, skewed up to 3°, sensor noise, strong JPEG artefacts (an image-only PDF);
- ``fax``: 150 dpi, 1-bit, skewed up to 2°, speckles and dropouts (an image-only PDF, CCITT G4);
- ``phone``: 200 dpi, the sheet on a dark table with a border of it around, skewed up to 4°,
  uneven light (gradient, vignette, sometimes a soft shadow), slightly blurred, JPEG, sometimes
  turned by 90°, 180° or 270° (an image-only PDF, as a phone's scanning app makes it);
- ``photo``: the same shot as a plain JPEG file, as a phone sends it: no resolution of its own,
  sometimes stored turned with an EXIF orientation that says how to show it.

numpy, OpenCV and Pillow do the pixel work (whole-array operations, no pixel loops). Used by the
scan tests and by ``bench/scans.py``.
"""
from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

Kind = Literal["office", "fax", "phone", "photo"]
KINDS: tuple[Kind, ...] = ("office", "fax", "phone", "photo")
Grey = npt.NDArray[np.uint8]

SOURCE_DPI = 300
#: A fax's noise: the share of pixels that are specks and seeds of blots (ranges drawn per copy),
#: and of ink pixels lost.
FAX_SPECKS = (0.0005, 0.0015)
FAX_BLOTS = (0.0001, 0.0003)
FAX_DROPOUTS = 0.01
A4_INCHES = (8.27, 11.69)
FONTS = ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD_FONTS = ("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class Copy:
    """One degraded copy: the file as it arrives and what was done to it."""

    kind: Kind
    data: bytes            # a PDF, or a JPEG for ``photo``
    dpi: int               # the sheet's resolution in the picture
    skew: float            # degrees, counter-clockwise
    turned: int            # 0, 90, 180 or 270: how far the picture is turned from upright

    @property
    def suffix(self) -> str:
        return ".jpg" if self.kind == "photo" else ".pdf"


def font_path(bold: bool = False) -> str | None:
    """A Debian font to draw letters with (Liberation Sans, else DejaVu Sans), or None."""
    return next((path for path in (BOLD_FONTS if bold else FONTS) if Path(path).exists()), None)


def page_from_pdf(data: bytes, dpi: int = SOURCE_DPI) -> Grey:
    """The first page of a PDF rendered in grey."""
    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        try:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        finally:
            page.close()
    finally:
        document.close()
    return np.asarray(image, dtype=np.uint8)


def page_from_text(text: str, dpi: int = SOURCE_DPI) -> Grey:
    """Draw a letter's lines on an A4 page (Liberation Sans, capitals in bold), in grey."""
    regular, bold = font_path(), font_path(bold=True)
    if regular is None or bold is None:
        raise FileNotFoundError("no Debian font found (fonts-liberation or fonts-dejavu-core)")
    width, height = int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi)
    margin = int(0.8 * dpi)
    lines = text.rstrip("\n").split("\n")
    size = int(10.5 / 72 * dpi)
    font = ImageFont.truetype(regular, size)
    widest = max((font.getlength(line) for line in lines), default=0.0)
    if widest > width - 2 * margin * 0.75:  # a long line: a smaller type, as a letter would use
        size = int(size * (width - 2 * margin * 0.75) / widest)
        font = ImageFont.truetype(regular, size)
    heavy = ImageFont.truetype(bold, size)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for line in lines:
        title = line.strip() and line.strip() == line.strip().upper() and sum(c.isalpha() for c in line) > 8
        draw.text((margin * 0.75, y), line, fill=0, font=heavy if title else font)
        y += int(size * 1.55)
    return np.asarray(image, dtype=np.uint8)


def rng_for(name: str, kind: Kind) -> np.random.Generator:
    """The same random choices for the same letter and kind, run after run."""
    return np.random.default_rng(zlib.crc32(f"{name}/{kind}".encode()))


def degrade(page: Grey, kind: Kind, name: str) -> Copy:
    """Degrade a clean page (at ``SOURCE_DPI``) as ``kind``, with choices seeded by ``name``."""
    rng = rng_for(name, kind)
    if kind == "office":
        return _office(page, rng)
    if kind == "fax":
        return _fax(page, rng)
    return _phone(page, rng, photo=kind == "photo")


def _resize(page: Grey, dpi: int) -> Grey:
    scale = dpi / SOURCE_DPI
    size = (round(page.shape[1] * scale), round(page.shape[0] * scale))
    return np.asarray(cv2.resize(page, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _rotate(image: npt.NDArray[np.uint8], degrees: float, fill: float | tuple[float, ...]) -> npt.NDArray[np.uint8]:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return np.asarray(cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=fill), dtype=np.uint8)


def _noise(image: npt.NDArray[np.uint8], sigma: float, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    noisy = image.astype(np.float32) + rng.normal(0.0, sigma, image.shape).astype(np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _pdf(image: Image.Image, dpi: int, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=dpi, **options)
    return out.getvalue()


def _office(page: Grey, rng: np.random.Generator) -> Copy:
    dpi = 150
    skew = float(rng.uniform(-3.0, 3.0))
    paper = 255 - (255 - page.astype(np.float32)) * 0.92 - float(rng.uniform(8, 20))  # greyish paper, toner
    sheet = _rotate(_resize(np.clip(paper, 0, 255).astype(np.uint8), dpi), skew, float(paper.max()))
    sheet = _noise(sheet, float(rng.uniform(8, 14)), rng)
    quality = int(rng.integers(12, 25))
    return Copy("office", _pdf(Image.fromarray(sheet, "L"), dpi, quality=quality), dpi, skew, 0)


def _fax(page: Grey, rng: np.random.Generator) -> Copy:
    dpi = 150
    skew = float(rng.uniform(-2.0, 2.0))
    sheet = _rotate(_resize(page, dpi), skew, 255)
    sheet = np.asarray(cv2.GaussianBlur(sheet, (0, 0), float(rng.uniform(0.4, 0.8))), dtype=np.uint8)
    ink = sheet < int(rng.integers(120, 170))  # where the fax's threshold puts black: thinner or fatter strokes
    shape = ink.shape
    specks = rng.random(shape) < float(rng.uniform(*FAX_SPECKS))
    # Some specks are blots of 3x2 pixels, as dust and a worn drum make them.
    blots = np.asarray(cv2.dilate((rng.random(shape) < float(rng.uniform(*FAX_BLOTS))).astype(np.uint8),
                                  np.ones((2, 3), np.uint8)), dtype=bool)
    dropouts = rng.random(shape) < FAX_DROPOUTS
    black = (ink & ~dropouts) | specks | blots
    image = Image.fromarray(np.where(black, 0, 255).astype(np.uint8), "L").convert("1", dither=Image.Dither.NONE)
    return Copy("fax", _pdf(image, dpi), dpi, skew, 0)


def _light(shape: tuple[int, int], rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """Uneven light over a shot: a gradient, a vignette and sometimes a soft shadow (1 = full light)."""
    height, width = shape
    ys = np.linspace(-1.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(-1.0, 1.0, width, dtype=np.float32)[None, :]
    angle = float(rng.uniform(0, 2 * np.pi))
    slope = (xs * np.cos(angle) + ys * np.sin(angle) + 1.5) / 3.0
    light = 1.0 - float(rng.uniform(0.35, 0.6)) * slope
    light = light * (1.0 - float(rng.uniform(0.2, 0.45)) * (xs ** 2 + ys ** 2) / 2.0)
    if rng.random() < 0.6:  # the phone's or the hand's shadow over a part of the sheet
        cy, cx = rng.uniform(-1.2, 1.2, 2)
        shadow = ((xs - cx) ** 2 / 0.5 + (ys - cy) ** 2 / 0.8) < 1.0
        soft = cv2.GaussianBlur(shadow.astype(np.float32), (0, 0), max(height, width) / 25)
        light = light * (1.0 - float(rng.uniform(0.25, 0.45)) * soft)
    return np.asarray(light, dtype=np.float32)


def _phone(page: Grey, rng: np.random.Generator, *, photo: bool) -> Copy:
    dpi = int(rng.integers(230, 270)) if photo else 200
    sheet = 238.0 - (255 - _resize(page, dpi).astype(np.float32)) * (198.0 / 255.0)
    height, width = sheet.shape
    top, bottom, left, right = (int(m) for m in rng.uniform(0.04, 0.09, 4) * np.array([height, height, width, width]))
    table = float(rng.uniform(30, 65))
    canvas = np.full((height + top + bottom, width + left + right), table, np.float32)
    canvas[top:top + height, left:left + width] = sheet
    canvas = _noise(np.clip(canvas, 0, 255).astype(np.uint8), 6.0, rng).astype(np.float32)  # the table's grain
    skew = float(rng.uniform(-4.0, 4.0))
    rotated = _rotate(canvas.astype(np.uint8), skew, table)
    lit = rotated.astype(np.float32) * _light((rotated.shape[0], rotated.shape[1]), rng)
    shot = np.asarray(cv2.GaussianBlur(lit, (0, 0), float(rng.uniform(0.9, 1.4))), np.float32)
    tint = np.array([1.0, 0.97, 0.9] if rng.random() < 0.5 else [0.95, 0.98, 1.0], np.float32)  # warm or cool light
    rgb = _noise(np.clip(shot[:, :, None] * tint[None, None, :], 0, 255).astype(np.uint8), 4.0, rng)
    turned = int(rng.choice([0, 90, 180, 270], p=[0.5, 0.2, 0.2, 0.1]))
    rgb = np.ascontiguousarray(np.rot90(rgb, k=turned // 90))  # rot90 turns counter-clockwise
    image = Image.fromarray(rgb, "RGB")
    quality = int(rng.integers(55, 75))
    if not photo:
        return Copy("phone", _pdf(image, dpi, quality=quality), dpi, skew, turned)
    out = io.BytesIO()
    if rng.random() < 0.4:
        # Stored as the sensor saw it, with EXIF orientation 6 ("turn 90° clockwise to show it").
        exif = Image.Exif()
        exif[0x0112] = 6
        image.transpose(Image.Transpose.ROTATE_90).save(out, format="JPEG", quality=quality, exif=exif)
    else:
        image.save(out, format="JPEG", quality=quality)
    return Copy("photo", out.getvalue(), dpi, skew, turned)
