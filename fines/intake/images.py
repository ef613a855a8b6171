"""Turn a picture of a fine (JPEG, PNG, TIFF with one page or many, HEIC) into an image-only PDF.

An adapter over Pillow (and ``pillow-heif`` for HEIC, the iPhone's format). Clients who photograph
a letter send the photo itself, and multifunction printers send TIFFs: the PDF made here is what
intake keeps and reads, as it reads a scanned PDF. Each frame becomes one page, turned upright as
its EXIF orientation says, at the resolution the file declares when that is believable, else at a
resolution that gives the page the size of an A4 sheet (a phone's photo declares none worth
trusting). A JPEG is re-encoded once at high quality; other pictures are stored losslessly. A
photo taken turned (by 90° or 180°, without an EXIF orientation saying so) is set upright once OCR
has told which way is up (``turn_upright``: the pages' rotation, the pictures untouched).
Decoding untrusted pictures belongs in the PDF worker's sandbox: call this there.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Literal, cast

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from fines.intake.mime import picture_kind

__all__ = ["ImageProblem", "ImageType", "image_to_pdf", "sniff_image", "turn_upright"]

ImageType = Literal["jpeg", "png", "tiff", "heic"]
#: More pixels than a photo of a letter ever has (a 108-megapixel phone camera stays below).
MAX_PIXELS = 120_000_000
MAX_FRAMES = 50
#: A declared resolution outside this range is not believed.
BELIEVABLE_DPI = (90.0, 1200.0)
A4_LONG_INCHES = 11.69


class ImageProblem(Exception):
    """The picture cannot be turned into a PDF; ``reason_code`` says why.

    ``unreadable`` (not a picture of ours, or broken), ``too_large`` (more pixels than a letter's
    photo has), ``too_many_pages`` (a TIFF with more frames than a letter has pages).
    """

    def __init__(self, reason_code: str, message: str) -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message


def sniff_image(data: bytes) -> ImageType | None:
    """Which kind of picture ``data`` is, from its first bytes; None when it is none of ours."""
    kind = picture_kind(data)
    return cast(ImageType, kind) if kind is not None else None


def image_to_pdf(data: bytes, *, max_frames: int = MAX_FRAMES, max_pixels: int = MAX_PIXELS) -> bytes:
    """An image-only PDF with one page per frame of the picture in ``data``."""
    kind = sniff_image(data)
    if kind is None:
        raise ImageProblem("unreadable", "not a JPEG, PNG, TIFF or HEIC picture")
    if kind == "heic":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    try:
        picture = Image.open(io.BytesIO(data))  # reads the header only: sizes are known before decoding
        frames = getattr(picture, "n_frames", 1)
        if frames > max_frames:
            raise ImageProblem("too_many_pages", f"the picture has {frames} frames; at most {max_frames} are read")
        pages = []
        for frame in ImageSequence.Iterator(picture):
            if frame.width * frame.height > max_pixels:
                raise ImageProblem("too_large", f"a frame has more than {max_pixels} pixels")
            pages.append(_page(frame))
    except Image.DecompressionBombError as exc:
        raise ImageProblem("too_large", f"the picture has more than {max_pixels} pixels") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageProblem("unreadable", f"the picture cannot be decoded: {exc}") from exc
    out = io.BytesIO()
    first, *rest = pages
    first[0].save(out, format="PDF", resolution=first[1], save_all=bool(rest), append_images=[p for p, _ in rest],
                  quality=90)
    return out.getvalue()


def _page(frame: Image.Image) -> tuple[Image.Image, float]:
    """One frame upright, in a mode a PDF holds, and the resolution to declare for it."""
    upright = ImageOps.exif_transpose(frame) or frame
    if upright.mode not in ("1", "L", "RGB"):
        upright = upright.convert("L" if upright.mode in ("I", "I;16", "F", "LA") else "RGB")
    upright.load()
    return upright, _resolution(frame, upright.size)


def _resolution(frame: Image.Image, size: tuple[int, int]) -> float:
    declared = frame.info.get("dpi")
    if isinstance(declared, tuple) and declared:
        try:
            dpi = float(min(declared))
        except (TypeError, ValueError):
            dpi = 0.0
        # Believed when plausible and it makes a sheet no larger than A3.
        if BELIEVABLE_DPI[0] <= dpi <= BELIEVABLE_DPI[1] and max(size) / dpi <= 16.6:
            return dpi
    return max(size) / A4_LONG_INCHES


def turn_upright(pdf: bytes, turns: Mapping[int, int]) -> bytes:
    """``pdf`` with each page numbered in ``turns`` (1-based) shown turned counter-clockwise by the
    given multiple of 90° (what OCR found makes it upright): its rotation is set, its picture kept."""
    import pypdfium2 as pdfium

    wanted = {number: turn % 360 for number, turn in turns.items() if turn % 360}
    if not wanted:
        return pdf
    document = pdfium.PdfDocument(pdf)
    try:
        for number, turn in wanted.items():
            if not 1 <= number <= len(document):
                continue
            page = document[number - 1]
            try:
                # A PDF page's rotation turns it clockwise for display.
                page.set_rotation((page.get_rotation() - turn) % 360)
            finally:
                page.close()
        out = io.BytesIO()
        document.save(out)
    finally:
        document.close()
    return out.getvalue()
