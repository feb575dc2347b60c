"""Accessible PDFs: WeasyPrint's PDF/UA-1 variant, tagged, with the document's language and title taken from
the HTML (`<html lang="sv">`, `<title>`).

A PDF is drawn from one HTML string whose styles are inline. It fetches nothing: no stylesheet or image
over the network (the app would be calling itself, at whatever host the request named) and no file; only
`data:` URLs are read. Relative links in it resolve against BASE_URL, as links in mail do.
"""

from __future__ import annotations

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def render_pdf(html: str) -> bytes:
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    document = HTML(string=html, base_url=current_app.config["BASE_URL"], url_fetcher=fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1")
