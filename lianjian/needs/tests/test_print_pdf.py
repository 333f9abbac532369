"""Work on paper: the work order page, its PDF and the statistics PDF (text read back
with pdftotext), the print stylesheet, and a PDF renderer that never goes outside."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.core.cache import cache

from lianjian.core import pdf
from lianjian.needs import services as S
from lianjian.needs.models import Need


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def dispatched(world: Any, personas: Any, submit: Any) -> Need:
    return S.need_dispatch(
        submit().pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )


def pdf_text(data: bytes, tmp_path: Any) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip(
            "pdftotext (Debian poppler-utils) is not installed: apt-get install poppler-utils"
        )
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    done = subprocess.run(  # noqa: S603 - a fixed local tool on our own file
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode("utf-8")


PRINT_MATRIX = {
    "street_staff": 200,
    "dept_handler": 200,
    "secretary_a1": 200,
    "secretary_a2": 404,
    "member": 403,
}


@pytest.mark.parametrize("who, status", PRINT_MATRIX.items())
def test_work_order_print_page(
    personas: Any, client_for: Any, dispatched: Need, who: str, status: int
) -> None:
    resp = client_for(getattr(personas, who)).get(f"/needs/{dispatched.pk}/print/")
    assert resp.status_code == status
    if status == 200:
        body = resp.content.decode()
        assert "需求工单" in body and dispatched.tracking_code in body
        assert "138****5678" in body and "13812345678" not in body
        assert 'media="print"' in body and "core/print.css" in body


def test_work_order_pdf_holds_the_order_as_text(
    personas: Any, client_for: Any, dispatched: Need, tmp_path: Any
) -> None:
    resp = client_for(personas.street_staff).get(f"/needs/{dispatched.pk}/workorder.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    data = b"".join(resp.streaming_content) if resp.streaming else resp.content
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert "需求工单" in text and dispatched.tracking_code in text
    assert "民政办" in text and "138****5678" in text and "13812345678" not in text
    # out of scope: 404, no file
    assert (
        client_for(personas.secretary_a2).get(f"/needs/{dispatched.pk}/workorder.pdf").status_code
        == 404
    )


def test_stats_pdf_holds_the_figures(
    personas: Any, client_for: Any, dispatched: Need, tmp_path: Any
) -> None:
    resp = client_for(personas.street_staff).get("/needs/stats.pdf?by=department")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = pdf_text(resp.content, tmp_path)
    assert "需求统计" in text and "民政办" in text and "职能部门" in text
    assert client_for(personas.member).get("/needs/stats.pdf").status_code == 403


def test_pdf_fetcher_serves_only_our_static_files() -> None:
    assert pdf.static_path(pdf.BASE_URL + "static/core/print.css")
    assert pdf.static_path(pdf.BASE_URL + "static/../settings.py") is None
    assert pdf.static_path("https://example.com/static/core/print.css") is None
    assert pdf.static_path("http://127.0.0.1:8000/static/core/print.css") is None
    fetcher = pdf._fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.com/logo.png")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    served = fetcher.fetch(pdf.BASE_URL + "static/core/print.css")
    assert b"@page" in served.read()


def test_print_stylesheet_drops_navigation_and_forms() -> None:
    path = pdf.static_path(pdf.BASE_URL + "static/core/print.css")
    assert path is not None
    css = open(path, encoding="utf-8").read()
    for selector in (".topbar", ".mainnav", "form", "button", ".pager"):
        assert selector in css.split("@media print")[1].split("display: none")[0], selector
