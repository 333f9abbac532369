"""The coverage report as a PDF: real text (pdftotext), embedded fonts, audited, scoped."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from lianjian.core.models import AuditEvent
from lianjian.orgs.tests.factories import make_unit

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)


def _text(pdf: bytes, tmp_path: Any) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return _run("pdftotext", "-layout", str(path), "-")


def _run(tool: str, *args: str) -> str:
    exe = shutil.which(tool)
    assert exe, tool
    return subprocess.run([exe, *args], check=True, capture_output=True, text=True).stdout  # noqa: S603


@needs_poppler
def test_coverage_pdf_text_and_fonts(
    tree: Any, personas: Any, client_for: Any, tmp_path: Any
) -> None:
    make_unit(region=tree.community_a1, name="虹储科技有限公司", kind="private_enterprise")
    c = client_for(personas.street_staff)
    response = c.get("/orgs/coverage/pdf/", {"region": tree.street_a.pk, "as_of": "2026-06-30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = _text(pdf, tmp_path)
    assert "组织覆盖统计" in text and "虹桥街道" in text
    assert "两新组织组织覆盖率" in text and "2026年6月30日" in text
    fonts = _run("pdffonts", str(tmp_path / "report.pdf"))
    # every font is embedded (the "emb" column): the file reads the same on any machine
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes " in row for row in rows)
    event = AuditEvent.objects.get(action="export.coverage_pdf")
    assert event.username == "street_staff" and event.object_id == str(tree.street_a.pk)


def test_coverage_pdf_outside_scope_is_404(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.secretary_a1)
    assert c.get("/orgs/coverage/pdf/", {"region": tree.street_b.pk}).status_code == 404
    assert not AuditEvent.objects.filter(action="export.coverage_pdf").exists()
