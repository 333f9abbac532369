from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "lianjian.ledger"
    label = "ledger"

    def ready(self) -> None:
        from lianjian.core.heartbeat import register_job_kind
        from lianjian.ledger.export_jobs import EXPORT_JOBS
        from lianjian.ledger.jobs import IMPORT_JOBS

        # import and export jobs: failed by the reaper when their worker dies
        register_job_kind("import", IMPORT_JOBS)
        register_job_kind("export", EXPORT_JOBS)
