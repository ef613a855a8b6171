"""A photo of a fine uploaded in the browser: read through the PDF made of it, the photo kept beside it."""
from __future__ import annotations

from typing import Any

from tests import support
from tests.integration.test_intake_pictures import photo
from tests.web.test_fines_web import _upload


def test_client_user_uploads_a_photo_and_gets_its_fields_its_pdf_and_the_photo_back(app: Any, client: Any,
                                                                                      world: Any) -> None:
    data, truth = photo()
    support.login(client, world.user_a)
    response = _upload(client, [("IMG_2041.jpg", data)])
    assert response.status_code == 302 and "/fines/" in response.headers["Location"]
    fine_url = response.headers["Location"]
    page = client.get(fine_url).get_data(as_text=True)
    assert truth["notice_number"] in page and f"{fine_url}/original" in page
    pdf = client.get(f"{fine_url}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    original = client.get(f"{fine_url}/original")
    assert original.status_code == 200 and original.data == data and original.mimetype == "image/jpeg"
    assert original.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(f"{fine_url}/pages/1.png").mimetype == "image/png"
