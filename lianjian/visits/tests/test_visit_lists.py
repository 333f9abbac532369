"""Visit list (issue 13.9): sort and filters in the URL, audited Excel export, the unit page's
visits and needs panels (`orgs.unit_panels`)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from lianjian.core.models import AuditEvent
from lianjian.visits import services

pytestmark = pytest.mark.django_db


def _visit(unit: Any, day: dt.date, **kw: Any) -> Any:
    return services.visit_record(
        unit=unit, visited_on=day, visitors="张主任", findings='=HYPERLINK("x")', **kw
    )


def test_sorted_filtered_and_exported(tree: Any, personas: Any, client_for: Any) -> None:
    _visit(tree.unit_a1, dt.date(2026, 3, 1))
    _visit(tree.unit_a2, dt.date(2026, 3, 5))
    _visit(tree.unit_building, dt.date(2026, 2, 1))
    c = client_for(personas.street_staff)
    rows = c.get("/visits/", {"sort": "date"}).context["page"].object_list
    assert [v.visited_on.day for v in rows] == [1, 1, 5]
    rows = c.get("/visits/", {"sort": "-date", "start": "2026-03-01"}).context["page"].object_list
    assert [v.unit.name for v in rows] == ["虹仙便民超市", "虹储物业服务中心"]
    body = c.get("/visits/", {"sort": "-date", "start": "2026-03-01"}).content.decode()
    # the export link carries the filters and the sort
    assert "/visits/export/?sort=-date&amp;start=2026-03-01" in body
    assert f"/orgs/units/{tree.unit_a1.pk}/" in body

    response = c.get("/visits/export/", {"start": "2026-03-01", "sort": "unit"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("走访日期", "走访单位")
    assert [r[1] for r in rows[1:]] == ["虹仙便民超市", "虹储物业服务中心"]
    assert all(str(r[7]).startswith("'=") for r in rows[1:])  # formula-safe (S21)
    event = AuditEvent.objects.get(action="export.visits")
    assert event.detail["filters"] == {"start": "2026-03-01"} and event.detail["rows"] == 2


def test_export_is_scoped(tree: Any, personas: Any, client_for: Any) -> None:
    _visit(tree.unit_a1, dt.date(2026, 3, 1))
    _visit(tree.unit_a2, dt.date(2026, 3, 5))
    response = client_for(personas.secretary_a2).get("/visits/export/")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert [r[1] for r in list(book.active.iter_rows(values_only=True))[1:]] == ["虹仙便民超市"]
    assert client_for(personas.dept_handler).get("/visits/export/").status_code == 403


def test_unit_page_shows_visits_and_needs_panels(tree: Any, personas: Any, client_for: Any) -> None:
    _visit(tree.unit_a1, dt.date(2026, 3, 1))
    c = client_for(personas.street_staff)
    body = c.get(f"/orgs/units/{tree.unit_a1.pk}/").content.decode()
    assert 'id="panel-visits"' in body and "共 1 次走访" in body
    assert f"/visits/?unit={tree.unit_a1.pk}" in body
    assert 'id="panel-needs"' in body
    listed = c.get("/visits/", {"unit": tree.unit_a1.pk}).context["page"].object_list
    assert [v.unit_id for v in listed] == [tree.unit_a1.pk]
    # the unit admin may not read needs: no needs panel
    admin_body = client_for(personas.unit_admin).get(f"/orgs/units/{tree.unit_building.pk}/")
    assert 'id="panel-needs"' not in admin_body.content.decode()
    assert 'id="panel-visits"' in admin_body.content.decode()
