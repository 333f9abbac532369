"""Retention (S17): personal data past its period is anonymized; statistics and audit stay."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import call_command

from lianjian.accounts.models import ApiToken
from lianjian.accounts.services import token_create
from lianjian.core.audit import audit_verify
from lianjian.core.models import AuditEvent
from lianjian.core.retention import ANONYMIZED, retention_run
from lianjian.ledger.models import ImportJob
from lianjian.needs.models import Need, NeedAttachment, NeedEvent, NeedSummary, Status
from lianjian.needs.services import need_submit
from lianjian.orgs.coverage import coverage_report
from lianjian.orgs.models import Member
from lianjian.orgs.selectors import members_filtered
from lianjian.orgs.services_members import member_deactivate

T0 = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.UTC)


def _at(days: int) -> Any:
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


@pytest.fixture
def aged(personas: Any, tree: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """At T0: a member leaves, a need is finished, an import and a token are done with."""
    settings.MEDIA_ROOT = str(tmp_path)
    with _at(0):
        member_deactivate(tree.member_b1, actor=personas.district_admin, reason="迁出")
        need = need_submit(
            channel="hotline",
            text="楼道灯坏了，请物业修理",
            region=tree.community_a1,
            submitter_kind="person",
            submitter_name="王女士",
            contact_phone="13812345678",
        )
        attachment = NeedAttachment(
            need=need, token="t" * 32, extension="png", content_type="image/png", size=3
        )
        attachment.file.save("upload", ContentFile(b"png"), save=False)
        attachment.save()
        Need.objects.filter(pk=need.pk).update(status=Status.CLOSED)
        open_need = need_submit(
            channel="hotline",
            text="希望增加社区活动",
            region=tree.community_a1,
            submitter_kind="person",
            submitter_name="李先生",
            contact_phone="13912345678",
        )
        job = ImportJob.objects.create(
            kind="members", user=personas.street_staff, content=b"xlsx", error_report=b"report"
        )
        token_create(personas.street_staff, "sync")
        ApiToken.objects.update(revoked_at=T0)
    return {
        "need": need,
        "open_need": open_need,
        "job": job,
        "file": tmp_path / attachment.file.name,
    }


def _figures(tree: Any, personas: Any) -> Any:
    report = coverage_report(personas.district_admin, tree.district, dt.date(2024, 1, 10))
    return (
        report["figures"],
        Member.objects.count(),
        sorted(Member.objects.values_list("party_org_id", "is_active", "status", "gender")),
        sorted(NeedSummary.objects.values_list("need_id", "status", "channel")),
        NeedEvent.objects.count(),
    )


def test_each_kind_goes_after_its_own_period(aged: Any, tree: Any, personas: Any) -> None:
    before = _figures(tree, personas)
    id_number = tree.member_b1.id_number
    assert aged["file"].exists()

    with _at(29):  # nothing is past its period yet
        assert retention_run().total == 0
    with _at(100):  # uploads (30 days) and dead tokens (90 days)
        report = retention_run()
    counts = {line.key: line.count for line in report.lines}
    assert counts == {
        "accounts.tokens": 1,
        "orgs.inactive_members": 0,
        "orgs.import_files": 1,
        "orgs.export_files": 0,
        "needs.contact": 0,
    }
    job = ImportJob.objects.get(pk=aged["job"].pk)
    assert job.content is None and job.error_report is None
    assert not ApiToken.objects.exists()

    with _at(400):  # finished needs' contact details (365 days)
        assert {line.key: line.count for line in retention_run().lines}["needs.contact"] == 1
    need = Need.objects.get(pk=aged["need"].pk)
    assert (need.submitter_name, need.contact_phone) == ("", "")
    assert (
        need.text == "楼道灯坏了，请物业修理" and need.tracking_code == aged["need"].tracking_code
    )
    assert not NeedAttachment.objects.filter(need=need).exists()
    assert not aged["file"].exists()
    still_open = Need.objects.get(pk=aged["open_need"].pk)
    assert (still_open.submitter_name, still_open.contact_phone) == ("李先生", "13912345678")

    with _at(1100):  # members deactivated three years ago
        assert {line.key: line.count for line in retention_run().lines}[
            "orgs.inactive_members"
        ] == 1
    gone = Member.objects.get(pk=tree.member_b1.pk)
    assert (gone.name, gone.id_number, gone.mobile, gone.mobile_index) == (ANONYMIZED, "", "", "")
    assert gone.id_number_index == f"anonymized:{gone.pk}"
    assert gone.birth_date is None or (gone.birth_date.month, gone.birth_date.day) == (1, 1)
    assert gone.updated_at == T0  # the deactivation time stays
    # the old number finds nobody; the members still active are untouched
    assert not members_filtered(personas.district_admin, {"q": id_number, "active": ""}).exists()
    assert Member.objects.get(pk=tree.member_a1.pk).name == "陈一"

    # statistics are what they were, and the audit chain holds, with one event per run
    assert _figures(tree, personas) == before
    assert audit_verify().ok
    runs = AuditEvent.objects.filter(action="retention.run").order_by("seq")
    assert runs.count() == 4
    last = runs.last()
    assert last is not None
    assert last.detail["counts"]["orgs.inactive_members"] == 1
    assert last.username == "retention"

    with _at(1200):  # nothing twice
        assert retention_run().total == 0


def test_the_command_reports_and_a_dry_run_changes_nothing(aged: Any, tree: Any) -> None:
    out = StringIO()
    with _at(400):
        call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    # 400 days after T0 (2024 is a leap year) less 365 days of retention
    assert "已办结需求的提出人姓名、联系电话和附件（2024-02-14 以前）：将处理 1 条" in text
    assert "合计将处理 3 条（未修改，--dry-run）" in text
    assert Need.objects.get(pk=aged["need"].pk).contact_phone == "13812345678"
    assert not AuditEvent.objects.filter(action="retention.run").exists()
    out = StringIO()
    with _at(400):
        call_command("retention", stdout=out)
    assert "合计已处理 3 条；已记入审计日志" in out.getvalue()


def test_the_periods_come_from_the_settings(aged: Any, settings: Any) -> None:
    settings.RETENTION_NEED_CONTACT_DAYS = 10
    with _at(11):
        counts = {line.key: line.count for line in retention_run().lines}
    assert counts["needs.contact"] == 1
    assert counts["orgs.import_files"] == 0
