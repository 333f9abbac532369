"""Import and export jobs that break off: a Chinese message on the job page, a retry for the
owner, and the job of a dead worker failed by the reaper instead of left running (R6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.utils import timezone

from lianjian.core.heartbeat import reap_stale_jobs
from lianjian.core.models import AuditEvent, WorkerHeartbeat
from lianjian.ledger import export_jobs, jobs
from lianjian.ledger.models import ExportJob, ImportJob
from lianjian.ledger.tests.ledger_files import xlsx
from lianjian.orgs.models import Unit
from lianjian.orgs.tests.factories import make_credit_code

UNIT_HEADER = ["单位名称", "统一社会信用代码", "单位类别", "所在区域"]


def ledger(n: int = 2, first: int = 8100) -> bytes:
    rows = [
        [f"重试单位{i}", make_credit_code(first + i), "非公企业", "虹储居民区"] for i in range(n)
    ]
    return xlsx([UNIT_HEADER, *rows])


def break_import(monkeypatch: Any) -> None:
    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(jobs, "import_ledger", locked)


def test_an_import_that_breaks_off_says_why_and_its_owner_retries_the_same_upload(
    tree: Any, personas: Any, client_for: Any, monkeypatch: Any
) -> None:
    client = client_for(personas.street_staff)
    break_import(monkeypatch)
    data = ledger()
    client.post("/orgs/ledger/import/units/", {"file": SimpleUploadedFile("台账.xlsx", data)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.ERROR and job.is_done
    assert job.content is not None and bytes(job.content) == data  # kept for the retry
    page = client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    assert "处理出错" in page and "导入过程中出错（数据库繁忙），数据未写入" in page
    assert 'id="job-retry"' in page and f"/orgs/ledger/jobs/{job.pk}/retry/" in page
    assert not Unit.objects.filter(name__startswith="重试单位").exists()

    monkeypatch.undo()
    assert client.get(f"/orgs/ledger/jobs/{job.pk}/retry/").status_code == 405  # POST only
    # another user who may import: 404, nothing made
    other = client_for(personas.district_admin)
    assert other.post(f"/orgs/ledger/jobs/{job.pk}/retry/").status_code == 404
    assert ImportJob.objects.count() == 1

    response = client.post(f"/orgs/ledger/jobs/{job.pk}/retry/")
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"/orgs/ledger/jobs/{again.pk}/"
    assert again.retry_of == job and again.file_name == "台账.xlsx"
    assert again.status == ImportJob.Status.SUCCEEDED and again.created_count == 2
    assert again.content is None
    job.refresh_from_db()
    assert job.content is None  # given up to the retry
    assert Unit.objects.filter(name__startswith="重试单位").count() == 2
    assert AuditEvent.objects.filter(action="ledger.import_retry", object_id=str(again.pk))
    page = client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    assert 'id="job-retried"' in page and 'id="job-retry"' not in page
    # a second click answers with the same retry, never a third run
    assert client.post(f"/orgs/ledger/jobs/{job.pk}/retry/")["Location"] == response["Location"]
    assert ImportJob.objects.count() == 2


def test_an_import_with_row_errors_is_not_retried_and_keeps_no_upload(
    tree: Any, personas: Any, client_for: Any
) -> None:
    client = client_for(personas.street_staff)
    bad = xlsx([UNIT_HEADER, ["坏单位", "91310105XXXXXXXXX0", "非公企业", "虹储居民区"]])
    client.post("/orgs/ledger/import/units/", {"file": SimpleUploadedFile("bad.xlsx", bad)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.content is None
    assert 'id="job-retry"' not in client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    response = client.post(f"/orgs/ledger/jobs/{job.pk}/retry/", follow=True)
    assert "只有处理出错" in response.content.decode()
    assert ImportJob.objects.count() == 1


def test_the_upload_of_a_broken_off_import_is_wiped_after_the_keeping_time(
    tree: Any, personas: Any, client_for: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.EXPORT_KEEP_HOURS = 24
    break_import(monkeypatch)
    jobs.job_submit("units", ledger(), user=personas.street_staff, file_name="a.xlsx")
    job = ImportJob.objects.get()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23), tick=False):
        reap_stale_jobs()
    job.refresh_from_db()
    assert job.content is not None
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25), tick=False):
        reap_stale_jobs()  # the reaper's pass wipes kept files too
        page = client_for(personas.street_staff).get(f"/orgs/ledger/jobs/{job.pk}/")
    job.refresh_from_db()
    assert job.content is None
    assert "上传文件已超过保留期限" in page.content.decode()


def test_a_failed_export_says_why_and_is_retried_with_the_same_filters(
    tree: Any, personas: Any, client_for: Any, monkeypatch: Any, settings: Any
) -> None:
    settings.EXPORT_SYNC_MAX_ROWS = 0  # every list goes to the worker
    client = client_for(personas.street_staff)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError

    monkeypatch.setattr(export_jobs.exporter, "export_list", broken)
    client.get("/orgs/ledger/export/members/?q=陈")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED and job.params == {"q": "陈"}
    page = client.get(f"/orgs/ledger/exports/{job.pk}/").content.decode()
    assert "导出失败（内存不足）" in page and 'id="export-retry"' in page

    monkeypatch.undo()
    other = client_for(personas.district_admin)
    assert other.post(f"/orgs/ledger/exports/{job.pk}/retry/").status_code == 404
    response = client.post(f"/orgs/ledger/exports/{job.pk}/retry/")
    again = ExportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"/orgs/ledger/exports/{again.pk}/"
    assert again.retry_of == job and again.params == {"q": "陈"}
    assert again.status == ExportJob.Status.SUCCEEDED and again.total_rows == 1  # 陈一 only
    assert 'id="export-retried"' in client.get(f"/orgs/ledger/exports/{job.pk}/").content.decode()
    assert client.post(f"/orgs/ledger/exports/{job.pk}/retry/")["Location"] == response["Location"]
    assert ExportJob.objects.count() == 2


@pytest.mark.parametrize("kind", ["import", "export"])
def test_a_running_job_whose_worker_died_is_failed_with_a_retry_on_its_page(
    kind: str, tree: Any, personas: Any, client_for: Any, settings: Any
) -> None:
    settings.JOB_STALE_SECONDS = 120
    start = timezone.now()
    WorkerHeartbeat.objects.create(
        name="w-dead", host="elsewhere", pid=1, started_at=start, beat_at=start
    )
    common = {"user": personas.street_staff, "status": "running", "worker": "w-dead"}
    common |= {"started_at": start, "beat_at": start, "kind": "units"}
    if kind == "import":
        job: Any = ImportJob.objects.create(file_name="a.xlsx", content=ledger(), **common)
        url = f"/orgs/ledger/jobs/{job.pk}/"
    else:
        job = ExportJob.objects.create(params={}, total_rows=30000, **common)
        url = f"/orgs/ledger/exports/{job.pk}/"
    client = client_for(personas.street_staff)
    with time_machine.travel(start + dt.timedelta(seconds=100), tick=False):
        assert reap_stale_jobs() == 0  # the worker may still be alive
    with time_machine.travel(start + dt.timedelta(seconds=130), tick=False):
        assert reap_stale_jobs() == 1
        page = client.get(url).content.decode()
    job.refresh_from_db()
    assert job.is_done and job.finished_at is not None
    assert "后台任务进程意外退出" in job.message and "后台任务进程意外退出" in page
    assert ('id="job-retry"' if kind == "import" else 'id="export-retry"') in page


def test_a_queued_job_page_says_when_no_worker_runs(
    tree: Any, personas: Any, client_for: Any, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = ExportJob.objects.create(user=personas.street_staff, kind="units", params={})
    client = client_for(personas.street_staff)
    url = f"/orgs/ledger/exports/{job.pk}/"
    assert "后台任务进程未运行" in client.get(url).content.decode()
    now = timezone.now()
    WorkerHeartbeat.objects.create(name="w", host="elsewhere", pid=1, started_at=now, beat_at=now)
    assert "后台任务进程未运行" not in client.get(url).content.decode()
