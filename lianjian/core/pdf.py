"""PDF on the server (WeasyPrint): a template rendered as HTML, laid out with the
print stylesheet and the CJK fonts the setup installs (Debian `fonts-noto-cjk`).

No outside call (S24): the URL fetcher serves only this project's static files
(`{% static %}` URLs and `data:` URIs); any other URL a template or a user's
text might name is refused, so rendering never touches the network. Fonts come
from the system through fontconfig and are embedded (subset) in the file.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# WeasyPrint narrates every layout step at INFO: one line per step per file in the log
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

# the base URL relative links resolve against; never fetched: the fetcher maps it to files
BASE_URL = "https://lianjian.invalid/"
_HOST = urlsplit(BASE_URL).netloc


def static_path(url: str) -> str | None:
    """The file behind one of our static URLs, or None for anything else."""
    parts = urlsplit(url)
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if parts.scheme != "https" or parts.netloc != _HOST or not parts.path.startswith(prefix):
        return None
    relative = unquote(parts.path[len(prefix) :])
    if not relative or ".." in relative.split("/"):
        return None
    # collected files first (production names carry a hash), then the app folders
    root = Path(settings.STATIC_ROOT).resolve()
    collected = (root / relative).resolve()
    if collected.is_relative_to(root) and collected.is_file():
        return str(collected)
    found = finders.find(relative)
    if isinstance(found, list):
        found = found[0] if found else None
    return str(found) if found else None


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves our static files and data: URIs; refuses every other URL."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_path(url)
            if path is None:
                raise ValueError(f"PDF 渲染不访问外部地址：{url[:80]}")
            with open(path, "rb") as f:
                body = f.read()
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": kind})

    return StaticOnlyFetcher(allowed_protocols=("https", "data"))


def render_pdf(
    template_name: str, context: dict[str, Any], request: HttpRequest | None = None
) -> bytes:
    """The template rendered to PDF bytes (print media, our static files only)."""
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher(), media_type="print")
    pdf: bytes = document.write_pdf()
    return pdf


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    """A PDF download that is never cached or sniffed."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
