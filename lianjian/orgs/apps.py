from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "lianjian.orgs"
    label = "orgs"

    def ready(self) -> None:
        from lianjian.core.heartbeat import register_job_kind
        from lianjian.orgs.ledger.export_jobs import EXPORT_JOBS
        from lianjian.orgs.ledger.jobs import IMPORT_JOBS

        # import and export jobs: failed by the reaper when their worker dies
        register_job_kind("import", IMPORT_JOBS)
        register_job_kind("export", EXPORT_JOBS)
