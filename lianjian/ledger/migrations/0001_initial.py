"""The import and export jobs, taken over from orgs with their tables (ADR 0011)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("orgs", "0011_jobs_move_to_ledger"),
    ]

    operations = [
        # the tables exist, created by orgs (0002, 0006, 0008, 0010) under the names
        # kept in `db_table`: only the migration state changes hands
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ExportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "worker",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="后台任务进程"
                            ),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="开始处理"),
                        ),
                        (
                            "beat_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="最近进展"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("units", "单位"),
                                    ("party-orgs", "党组织"),
                                    ("members", "党员"),
                                ],
                                max_length=16,
                                verbose_name="台账类型",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "排队中"),
                                    ("running", "导出中"),
                                    ("succeeded", "导出完成"),
                                    ("failed", "导出失败"),
                                ],
                                default="queued",
                                max_length=16,
                                verbose_name="状态",
                            ),
                        ),
                        ("params", models.JSONField(default=dict, verbose_name="筛选条件")),
                        (
                            "total_rows",
                            models.PositiveIntegerField(default=0, verbose_name="总行数"),
                        ),
                        (
                            "processed_rows",
                            models.PositiveIntegerField(default=0, verbose_name="已导出行数"),
                        ),
                        (
                            "message",
                            models.CharField(blank=True, max_length=500, verbose_name="说明"),
                        ),
                        (
                            "file_name",
                            models.CharField(blank=True, max_length=200, verbose_name="文件名"),
                        ),
                        ("content", models.BinaryField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "retry_of",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="retries",
                                to="ledger.exportjob",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="export_jobs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "台账导出任务",
                        "db_table": "orgs_exportjob",
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(fields=["user", "-id"], name="orgs_export_user_idx")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "worker",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="后台任务进程"
                            ),
                        ),
                        (
                            "started_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="开始处理"),
                        ),
                        (
                            "beat_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="最近进展"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("units", "单位"),
                                    ("party-orgs", "党组织"),
                                    ("members", "党员"),
                                ],
                                max_length=16,
                                verbose_name="台账类型",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "排队中"),
                                    ("running", "处理中"),
                                    ("succeeded", "导入成功"),
                                    ("failed", "导入失败"),
                                    ("rejected", "文件被拒绝"),
                                    ("error", "处理出错"),
                                ],
                                default="queued",
                                max_length=16,
                                verbose_name="状态",
                            ),
                        ),
                        (
                            "file_name",
                            models.CharField(blank=True, max_length=200, verbose_name="文件名"),
                        ),
                        (
                            "file_size",
                            models.PositiveIntegerField(default=0, verbose_name="文件大小"),
                        ),
                        ("content", models.BinaryField(blank=True, null=True)),
                        (
                            "total_rows",
                            models.PositiveIntegerField(default=0, verbose_name="总行数"),
                        ),
                        (
                            "processed_rows",
                            models.PositiveIntegerField(default=0, verbose_name="已处理行数"),
                        ),
                        (
                            "created_count",
                            models.PositiveIntegerField(default=0, verbose_name="新增"),
                        ),
                        (
                            "updated_count",
                            models.PositiveIntegerField(default=0, verbose_name="更新"),
                        ),
                        (
                            "error_count",
                            models.PositiveIntegerField(default=0, verbose_name="错误数"),
                        ),
                        (
                            "valid_only",
                            models.BooleanField(default=False, verbose_name="仅导入有效行"),
                        ),
                        (
                            "skipped_count",
                            models.PositiveIntegerField(default=0, verbose_name="跳过的行数"),
                        ),
                        (
                            "message",
                            models.CharField(blank=True, max_length=500, verbose_name="说明"),
                        ),
                        ("error_report", models.BinaryField(blank=True, null=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "retry_of",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="retries",
                                to="ledger.importjob",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="import_jobs",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "台账导入任务",
                        "db_table": "orgs_importjob",
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(fields=["user", "-id"], name="orgs_import_user_idx")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
