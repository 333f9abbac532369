"""Excel import of a points ledger through the ledger's pages: row errors, then the valid rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianjian.ledger.models import ImportJob
from lianjian.ledger.tests.ledger_files import xlsx
from lianjian.points.models import Cause, Entry
from lianjian.points.selectors import balance_of

pytestmark = pytest.mark.django_db

HEAD = ["身份证号", "积分", "事由", "日期", "凭证编号"]


def test_import_with_row_errors_then_valid_rows(
    enrolled: Any, tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.secretary_a1)
    data = xlsx(
        [
            HEAD,
            [tree.member_a1.id_number, 8, "社区志愿服务", "2026-03-01", "V-1"],
            [tree.member_b1.id_number, 5, "外社区", "2026-03-01", "V-2"],  # outside the scope
            [tree.member_a1.id_number, 0, "零分", "2026-03-01", "V-3"],
        ]
    )
    client.post("/orgs/ledger/import/points/", {"file": SimpleUploadedFile("a.xlsx", data)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.error_count == 2
    assert not Entry.objects.exists()
    page = client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    assert "不在您的管辖范围内" in page and "非零整数" in page
    for _ in range(2):  # the same file twice: the voucher keys the entry
        client.post(
            "/orgs/ledger/import/points/",
            {"file": SimpleUploadedFile("a.xlsx", data), "mode": "valid_only"},
        )
    entry = Entry.objects.get()
    assert (entry.cause, entry.points, entry.cause_id) == (Cause.IMPORT, 8, "V-1")
    assert balance_of(tree.member_a1.pk) == 8
    assert client_for(personas.member).get("/orgs/ledger/import/points/").status_code == 403
