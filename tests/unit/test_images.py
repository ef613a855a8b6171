"""Pictures of fines (JPEG, PNG, TIFF, HEIC) turned into image-only PDFs, one page per frame."""
from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from fines.intake.images import ImageProblem, image_to_pdf, sniff_image, turn_upright


def picture(format: str, size: tuple[int, int] = (600, 800), **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (250, 250, 245)).save(out, format=format, **options)
    return out.getvalue()


def pages(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's size in inches."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [(document[i].get_width() / 72, document[i].get_height() / 72) for i in range(len(document))]
    finally:
        document.close()


@pytest.mark.parametrize(("format", "kind"), [("JPEG", "jpeg"), ("PNG", "png"), ("TIFF", "tiff")])
def test_pictures_are_recognised_by_their_first_bytes(format: str, kind: str) -> None:
    assert sniff_image(picture(format)) == kind


def test_heic_is_recognised_and_converted() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    data = picture("HEIF")
    assert sniff_image(data) == "heic"
    assert len(pages(image_to_pdf(data))) == 1


def test_a_pdf_or_text_is_no_picture() -> None:
    assert sniff_image(b"%PDF-1.7\n") is None
    with pytest.raises(ImageProblem) as caught:
        image_to_pdf(b"just some text")
    assert caught.value.reason_code == "unreadable"


def test_truncated_picture_is_unreadable() -> None:
    with pytest.raises(ImageProblem) as caught:
        image_to_pdf(picture("PNG")[:60])
    assert caught.value.reason_code == "unreadable"


def test_phone_photo_without_resolution_becomes_an_a4_sized_page() -> None:
    width, height = pages(image_to_pdf(picture("JPEG", (1500, 2000))))[0]
    assert height == pytest.approx(11.69, abs=0.01)
    assert width == pytest.approx(11.69 * 1500 / 2000, abs=0.01)


def test_declared_resolution_is_kept() -> None:
    width, height = pages(image_to_pdf(picture("PNG", (1240, 1754), dpi=(150, 150))))[0]
    assert (width, height) == (pytest.approx(1240 / 150, abs=0.01), pytest.approx(1754 / 150, abs=0.01))


def test_exif_orientation_turns_the_page_as_the_phone_showed_it() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side: "turn 90° clockwise to show it"
    width, height = pages(image_to_pdf(picture("JPEG", (2000, 1500), exif=exif)))[0]
    assert height > width


def test_multipage_tiff_gives_one_page_per_frame() -> None:
    out = io.BytesIO()
    frames = [Image.new("L", (850, 1100), shade) for shade in (255, 200, 150)]
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:], dpi=(100, 100),
                   compression="tiff_deflate")
    assert pages(image_to_pdf(out.getvalue())) == [(pytest.approx(8.5, abs=0.01), pytest.approx(11.0, abs=0.01))] * 3


def test_too_many_frames_or_pixels_are_refused_before_decoding() -> None:
    out = io.BytesIO()
    frames = [Image.new("1", (20, 20)) for _ in range(4)]
    frames[0].save(out, format="TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(ImageProblem) as caught:
        image_to_pdf(out.getvalue(), max_frames=3)
    assert caught.value.reason_code == "too_many_pages"
    with pytest.raises(ImageProblem) as caught:
        image_to_pdf(picture("PNG", (600, 800)), max_pixels=100_000)
    assert caught.value.reason_code == "too_large"


def test_pages_are_turned_upright_by_their_rotation_with_the_picture_kept() -> None:
    pdf = image_to_pdf(picture("PNG", (1100, 850), dpi=(100, 100)))
    turned = turn_upright(pdf, {1: 90, 2: 180})  # page 2 does not exist: left alone
    document = pdfium.PdfDocument(turned)
    try:
        page = document[0]
        # Turned counter-clockwise by 90° to be upright: shown rotated 270° clockwise, portrait.
        assert page.get_rotation() == 270
        width, height = page.render(scale=1.0).to_pil().size
        page.close()
    finally:
        document.close()
    assert height > width
    assert turn_upright(pdf, {1: 0}) == pdf
