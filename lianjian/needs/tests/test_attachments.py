"""Attachment downloads: only for who may see the need, as a download, never sniffed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lianjian.core.models import AuditEvent
from lianjian.needs import services as S
from lianjian.needs.models import NeedAttachment

PDF = b"%PDF-1.4\n% fictional test file\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def with_file(world: Any, personas: Any, submit: Any) -> Any:
    need = submit(attachments=[SimpleUploadedFile("现场<照片>.pdf", PDF, "text/html")])
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    return need, NeedAttachment.objects.get(need=need)


def _assert_download(resp: Any) -> None:
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"  # what the bytes are, not what was claimed
    assert resp["Content-Disposition"].startswith("attachment;")
    assert "<" not in resp["Content-Disposition"]
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert b"".join(resp.streaming_content) == PDF


@pytest.mark.parametrize(
    "who,status",
    [
        ("street_staff", 200),
        ("district_admin", 200),
        ("secretary_a1", 200),
        ("dept_handler", 200),
        ("secretary_a2", 404),  # the sibling community
        ("member", 403),
        ("outsider", 403),
    ],
)
def test_staff_download_scoped(
    personas: Any, client_for: Any, with_file: Any, who: str, status: int
) -> None:
    _need, att = with_file
    before = AuditEvent.objects.filter(action="need.attachment_download").count()
    resp = client_for(getattr(personas, who)).get(f"/needs/attachments/{att.token}/")
    assert resp.status_code == status
    after = AuditEvent.objects.filter(action="need.attachment_download").count()
    if status == 200:
        _assert_download(resp)
        assert after == before + 1
    else:
        assert after == before


def test_detail_page_links_attachment(personas: Any, client_for: Any, with_file: Any) -> None:
    need, att = with_file
    page = client_for(personas.street_staff).get(f"/needs/{need.pk}/").content.decode()
    assert f"/needs/attachments/{att.token}/" in page


def test_public_download_only_with_own_code(world: Any, submit: Any, with_file: Any) -> None:
    need, att = with_file
    c = Client()
    page = c.get(f"/needs/track/{need.tracking_code}/").content.decode()
    assert f"/needs/track/{need.tracking_code}/attachments/{att.token}/" in page
    _assert_download(c.get(f"/needs/track/{need.tracking_code}/attachments/{att.token}/"))
    # another need's code does not open this file; nor does an unknown token or code
    other = submit(text="另一件需求")
    assert c.get(f"/needs/track/{other.tracking_code}/attachments/{att.token}/").status_code == 404
    assert c.get(f"/needs/track/{need.tracking_code}/attachments/nosuch/").status_code == 404
    assert c.get(f"/needs/track/NOSUCHCODE/attachments/{att.token}/").status_code == 404
    # anonymous on the staff route: sent to log in, no file
    resp = c.get(f"/needs/attachments/{att.token}/")
    assert resp.status_code == 302 and "/accounts/login" in resp["Location"]
