"""The points ledger as a kind of the Excel ledger (extension point `"ledger.kinds"`).

A community's points ledger (积分台账) kept in Excel is imported row by row: the
member by ID number (through the blind index, within the importer's scope; the
same message whether outside the scope or unknown, S25), the points (± integer),
the reason and a voucher number. The voucher is the entry's cause id, so the same
file imported twice awards nothing the second time. Errors are reported per row
by the ledger; writing goes through `services.import_entry`, in the ledger's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from lianjian.core.ledger_kinds import (
    EXAMPLE_MARK,
    Column,
    LedgerKind,
    Problems,
    Progress,
    Rows,
    WriteRefused,
)
from lianjian.core.masking import mask
from lianjian.orgs.models import Member
from lianjian.orgs.services import id_number_index
from lianjian.points import access, services
from lianjian.points.models import Cause, Enrolment, Entry

if TYPE_CHECKING:
    from lianjian.accounts.models import User

PERM = "points.certify"
COLUMNS = (
    Column(
        "id_number", "身份证号", "code", required=True, text_only=True, aliases=("公民身份号码",)
    ),
    Column("points", "积分", "int", required=True, aliases=("分值", "积分变动")),
    Column("reason", "事由", "text", required=True, aliases=("原因", "说明")),
    Column("on", "日期", "date", aliases=("发生日期",)),
    Column("voucher", "凭证编号", "text", required=True, aliases=("编号", "凭证号")),
)
NOT_FOUND = "未找到该身份证号的党员，或不在您的管辖范围内"


class _PointsPlan:
    file_name = ""

    def __init__(self, user: User, problems: Problems) -> None:
        self.user = user
        self.problems = problems
        # (row, member, the row's cell values by column key)
        self.rows: list[tuple[int, Member, dict[str, Any]]] = []

    def build(self, rows: Rows, progress: Progress | None) -> None:
        wanted = {
            id_number_index(str(v["id_number"]).upper()): row
            for row, v in rows
            if v.get("id_number")
        }
        members = {
            m.id_number_index: m
            for m in access.members_for(self.user, PERM).filter(id_number_index__in=list(wanted))
        }
        enrolled = set(
            Enrolment.objects.filter(
                member_id__in=[m.pk for m in members.values()], withdrawn_at__isnull=True
            ).values_list("member_id", flat=True)
        )
        seen: dict[str, int] = {}
        kept: list[tuple[int, dict[str, Any]]] = []
        for row, values in rows:
            member = members.get(id_number_index(str(values.get("id_number") or "").upper()))
            points = values.get("points")
            voucher = str(values.get("voucher") or "").strip()[:64]
            if member is None:
                self.problems.error(row, "id_number", NOT_FOUND)
            elif points and points > 0 and member.pk not in enrolled:
                self.problems.error(row, "id_number", "该党员未参加积分计划或已退出，不能加分")
            if not points:
                self.problems.error(row, "points", "积分须为非零整数")
            elif abs(points) > 10000:
                self.problems.error(row, "points", "单笔积分不能超过 10000")
            if voucher in seen:
                self.problems.error(row, "voucher", f"与第 {seen[voucher]} 行的凭证编号重复")
            seen[voucher] = row
            values["member"] = member
            values["voucher"] = voucher
            kept.append((row, values))
        self.rows = [(row, v["member"], v) for row, v in self.problems.go_on(kept)]

    def write(self, user: User, source: str) -> tuple[int, int]:
        created = 0
        for row, member, values in self.rows:
            try:
                entry = services.import_entry(
                    member,
                    points=int(values["points"]),
                    voucher=values["voucher"],
                    reason=str(values.get("reason") or ""),
                    on=values.get("on"),
                    actor=user,
                )
            except services.PointsError as exc:
                raise WriteRefused(f"第 {row} 行：{exc}", "积分") from None
            created += entry is not None
        services.audit_import(user, created, source)
        return created, 0


def _export_query(
    user: User, params: Mapping[str, Any], perm: str | None = None
) -> QuerySet[Entry]:
    qs = access.entries_for(user, perm or "points.report").filter(cause=Cause.IMPORT)
    return qs.select_related("member").order_by("-created_at")


def _export_rows(qs: QuerySet[Entry], full: bool) -> Iterator[list[object]]:
    for e in qs.iterator(chunk_size=2000):
        yield [mask(e.member.id_number, "id_number"), e.points, e.note, e.on, e.cause_id]


KIND = LedgerKind(
    key="points",
    label="积分",
    columns=COLUMNS,
    import_perm=PERM,
    export_perm="points.report",
    plan=_PointsPlan,
    export_query=_export_query,
    export_rows=_export_rows,
    audit_type="points.entries",
    sheet_words=("积分",),
    example={
        "id_number": f"{EXAMPLE_MARK}370602199001011234",
        "points": "5",
        "reason": "参加社区志愿服务",
        "on": "2026-03-01",
        "voucher": "2026-001",
    },
    order=80,
)
