"""The registerutdrag as an accessible PDF: WeasyPrint's PDF/UA-1 variant, tagged, with the document's language
and title from the HTML (`<html lang="sv">`, `<title>`)."""

from __future__ import annotations

from weasyprint import HTML


def render_pdf(html: str, base_url: str) -> bytes:
    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1")
