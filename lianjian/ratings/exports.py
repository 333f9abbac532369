"""Excel exports of the grade reports and the rated organizations (core.xlsx, S21-safe)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import FileResponse

from lianjian.core.audit import audit_record
from lianjian.core.xlsx import stamped, xlsx_response
from lianjian.ratings.models import GRADE_ORDER, Rating
from lianjian.ratings.selectors import DIMENSIONS, ORG_TYPE_LABELS, Distribution

if TYPE_CHECKING:
    from lianjian.accounts.models import User

EXPORT_ROWS = 20_000


def distribution_xlsx(dist: Distribution, user: User) -> FileResponse:
    headers = [
        DIMENSIONS[dist.by],
        "参评",
        "已确认",
        *[g.label for g in GRADE_ORDER],
        "好/较好占比（%）",
        "五星级",
    ]

    def rows() -> Iterator[list[object]]:
        for row in [*dist.rows, dist.all]:
            yield [
                row.label,
                row.total,
                row.rated,
                *[n for _, n in row.grade_cells()],
                row.share_good_or_fair,
                row.five_star,
            ]

    audit_record("rating.export", user=user, detail={"year": dist.year, "by": dist.by})
    return xlsx_response(f"{dist.year}年度分类定级", headers, rows(), stamped("分类定级统计"))


def ratings_xlsx(qs: QuerySet[Rating]) -> FileResponse:
    headers = ["年度", "党组织", "组织类型", "街道", "得分", "等次", "星级", "状态"]

    def rows() -> Iterator[list[object]]:
        for r in qs.select_related("party_org", "street")[:EXPORT_ROWS]:
            yield [
                r.year,
                r.party_org.name,
                ORG_TYPE_LABELS.get(r.org_type, r.org_type),
                r.street.name if r.street else "区直属",
                float(r.total) if r.total is not None else None,
                r.get_grade_display(),
                r.stars or None,
                r.get_status_display(),
            ]

    return xlsx_response("定级结果", headers, rows(), stamped("定级结果"))
