"""Background tasks of the registries (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    """Import a large ledger file outside the request; the job page polls its progress."""
    from lianjian.ledger.jobs import job_run

    return str(job_run(job_id).status)


@task()
def run_export_job(job_id: int) -> str:
    """Write a large list export outside the request; the job page polls its progress."""
    from lianjian.ledger.export_jobs import export_run

    return str(export_run(job_id).status)
