"""Exports: filtered and scoped, masked unless unmasking is allowed and reasoned, formula-safe."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

import time_machine
from openpyxl import load_workbook

from lianjian.core.masking import mask
from lianjian.core.models import AuditEvent
from lianjian.ledger.exporter import neutralize, stamp
from lianjian.orgs.tests.factories import make_unit


def rows_of(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.content[:300]
    book = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_neutralize() -> None:
    for raw in ("=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralize(raw) == "'" + raw
    assert neutralize("虹储") == "虹储" and neutralize(5) == 5 and neutralize(None) is None


def test_file_names_carry_beijing_time_on_a_utc_host() -> None:
    """17:00 UTC on New Year's Eve is 01:00 on 1 January in Beijing (time-machine sets TZ=UTC)."""
    with time_machine.travel(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), tick=False):
        assert stamp("单位") == "单位_202701010100.xlsx"


def test_unit_export_is_formula_safe_filtered_and_audited(
    tree: Any, personas: Any, client_for: Any
) -> None:
    make_unit(tree.community_a1, '=HYPERLINK("http://evil.example","点我")', industry="@恶意")
    client = client_for(personas.street_staff)
    rows = rows_of(client.get("/orgs/ledger/export/units/?q=HYPERLINK"))
    assert rows[0][:3] == ("单位名称", "统一社会信用代码", "单位类别")
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","点我")' and rows[1][3] == "'@恶意"
    event = AuditEvent.objects.filter(action="export.units").latest("seq")
    assert event.username == "street_staff" and event.detail["rows"] == 1
    # scope: a secretary's export holds only her community's units
    names = {
        r[0]
        for r in rows_of(client_for(personas.secretary_a1).get("/orgs/ledger/export/units/"))[1:]
    }
    assert (
        "虹储物业服务中心" in names
        and "虹仙便民超市" not in names
        and "东银科技有限公司" not in names
    )


def test_member_export_masked_by_default(tree: Any, personas: Any, client_for: Any) -> None:
    rows = rows_of(client_for(personas.street_staff).get("/orgs/ledger/export/members/"))
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"陈一", "林二"}  # 周三 is in the other street
    idn, mobile = tree.member_a1.id_number, tree.member_a1.mobile
    assert by_name["陈一"][1] == mask(idn, "id_number") and by_name["陈一"][2] == mask(
        mobile, "mobile"
    )
    assert idn not in str(rows)


def test_member_export_full_needs_permission_and_reason(
    tree: Any, personas: Any, client_for: Any
) -> None:
    url = "/orgs/ledger/export/members/"
    staff = client_for(personas.street_staff)
    assert staff.post(url, {"full": "1", "reason": ""}).status_code == 400
    rows = rows_of(staff.post(url, {"full": "1", "reason": "换届选举资格审查"}))
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["陈一"][1] == tree.member_a1.id_number
    event = AuditEvent.objects.filter(action="export.members").latest("seq")
    assert event.detail["full"] is True and event.detail["reason"] == "换届选举资格审查"
    # a community secretary has no unmask right: refused, audited, nothing exported
    before = AuditEvent.objects.filter(action="export.members").count()
    response = client_for(personas.secretary_a1).post(url, {"full": "1", "reason": "想看看"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="export.members").count() == before
    assert AuditEvent.objects.filter(action="export.denied").exists()
    assert client_for(personas.member).get(url).status_code == 403


def test_party_org_export_round_trips_through_import(
    tree: Any, personas: Any, client_for: Any
) -> None:
    from lianjian.ledger.exporter import export_list, read_bytes
    from lianjian.ledger.importer import import_ledger
    from lianjian.orgs.selectors import party_orgs_filtered, units_filtered

    rows = rows_of(client_for(personas.district_admin).get("/orgs/ledger/export/party-orgs/"))
    building = next(r for r in rows if r[0] == "东银中心楼宇联合党支部")
    assert building[2] == "联合建" and building[9] == tree.unit_building.credit_code
    data = read_bytes(export_list("units", units_filtered(personas.street_staff, {})))
    outcome = import_ledger("units", data, user=personas.street_staff)
    assert outcome.ok and outcome.created == 0 and outcome.updated == 3
    data = read_bytes(export_list("party-orgs", party_orgs_filtered(personas.street_staff, {})))
    outcome = import_ledger("party-orgs", data, user=personas.street_staff)
    assert outcome.ok and outcome.created == 0, outcome.errors


def test_list_pages_link_export_with_their_filters(
    tree: Any, personas: Any, client_for: Any
) -> None:
    """ "导出Excel" on each list page carries the page's filters (not its page number)."""
    import re
    from html import unescape

    client = client_for(personas.street_staff)

    def export_href(path: str) -> str:
        html = client.get(path).content.decode()
        found = re.search(r'href="([^"]+)" id="export-link">导出Excel<', html)
        assert found, path
        return unescape(found.group(1))

    href = export_href("/orgs/units/?kind=private_enterprise&page=1")
    assert href == "/orgs/ledger/export/units/?kind=private_enterprise"
    kinds = {r[2] for r in rows_of(client.get(href))[1:]}
    assert kinds == {"非公企业"}
    assert export_href("/orgs/party-orgs/").startswith("/orgs/ledger/export/party-orgs/")

    # an exact ID search posts, is redirected to a blind-index `qi` URL, and the
    # export link carries `qi`: the file holds that one member, the URL no number
    search = client.post("/orgs/members/", {"q": tree.member_a1.id_number})
    assert search.status_code == 302 and "qi=" in search["Location"]
    href = export_href(search["Location"])
    assert "qi=" in href and tree.member_a1.id_number not in href
    rows = rows_of(client.get(href))
    assert [r[0] for r in rows[1:]] == [tree.member_a1.name]
    # a number typed straight into the list URL is refused (S13): no page, no export link
    typed = client.get(f"/orgs/members/?q={tree.member_a1.id_number}")
    assert typed.status_code == 400
    assert 'id="export-link"' not in typed.content.decode()
    # a mobile search the same way, through `qm`
    search = client.post("/orgs/members/", {"q": tree.member_a1.mobile})
    href = export_href(search["Location"])
    assert "qm=" in href and [r[0] for r in rows_of(client.get(href))[1:]] == [tree.member_a1.name]


def test_no_export_link_without_export_permission(
    tree: Any, personas: Any, client_for: Any
) -> None:
    from lianjian.core.permissions import user_has_perm

    user = personas.unit_admin
    assert user_has_perm(user, "orgs.view_unit") and not user_has_perm(user, "orgs.export")
    html = client_for(user).get("/orgs/units/").content.decode()
    assert "导出Excel" not in html


# ---------------------------------------------------------------- large lists: background jobs


def test_a_large_list_is_exported_by_the_worker_for_its_owner_only(
    tree: Any, personas: Any, client_for: Any, settings: Any
) -> None:
    from lianjian.ledger.models import ExportJob

    settings.EXPORT_SYNC_MAX_ROWS = 1  # street staff see two members: "large"
    staff = client_for(personas.street_staff)
    response = staff.get("/orgs/ledger/export/members/?q=")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/orgs/ledger/exports/{job.pk}/"
    # the test queue runs the task at once; a real deployment's page polls until done
    assert job.status == "succeeded" and job.total_rows == 2 and job.user == personas.street_staff
    page = staff.get(f"/orgs/ledger/exports/{job.pk}/").content.decode()
    assert "导出完成，共 2 行" in page and f"/orgs/ledger/exports/{job.pk}/download/" in page
    rows = rows_of(staff.get(f"/orgs/ledger/exports/{job.pk}/download/"))
    assert {r[0] for r in rows[1:]} == {"陈一", "林二"}  # the owner's scope
    assert tree.member_a1.id_number not in str(rows)  # masked
    assert rows[1][1] in {
        mask(tree.member_a1.id_number, "id_number"),
        mask(tree.member_a2.id_number, "id_number"),
    }
    event = AuditEvent.objects.filter(action="export.members").latest("seq")
    assert event.detail["background"] is True and event.detail["rows"] == 2
    assert AuditEvent.objects.filter(action="export.download", object_id=str(job.pk)).exists()
    # another user, even one who may export the same list: 404, audited
    other = client_for(personas.district_admin)
    for url in (f"/orgs/ledger/exports/{job.pk}/", f"/orgs/ledger/exports/{job.pk}/download/"):
        assert other.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", object_type="ledger.exportjob", object_id=str(job.pk)
    ).exists()


def test_background_exports_are_wiped_after_the_keeping_period(
    tree: Any, personas: Any, client_for: Any, settings: Any
) -> None:
    import datetime as dt

    import time_machine

    from lianjian.ledger.models import ExportJob

    settings.EXPORT_SYNC_MAX_ROWS = 1
    settings.EXPORT_KEEP_HOURS = 24
    staff = client_for(personas.street_staff)
    staff.get("/orgs/ledger/export/members/")
    job = ExportJob.objects.get()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        staff = client_for(personas.street_staff)
        assert staff.get(f"/orgs/ledger/exports/{job.pk}/download/").status_code == 404
        assert "已超过保存期限" in staff.get(f"/orgs/ledger/exports/{job.pk}/").content.decode()
        staff.get("/orgs/ledger/export/units/")  # the next background export purges old files
    job.refresh_from_db()
    assert job.content is None


def test_a_large_full_export_is_refused_not_queued(
    tree: Any, personas: Any, client_for: Any, settings: Any
) -> None:
    from lianjian.ledger.models import ExportJob

    settings.EXPORT_SYNC_MAX_ROWS = 1
    staff = client_for(personas.street_staff)
    response = staff.post("/orgs/ledger/export/members/", {"full": "1", "reason": "换届审查"})
    assert response.status_code == 400
    assert "单次不超过 1 行" in response.content.decode()
    assert not ExportJob.objects.exists()


def test_member_export_has_every_template_column_under_its_header(
    tree: Any, personas: Any, client_for: Any
) -> None:
    """An export can be edited and imported again: same columns, same order."""
    from lianjian.orgs.ledger_columns import COLUMNS

    rows = rows_of(client_for(personas.street_staff).get("/orgs/ledger/export/members/"))
    header = list(rows[0])
    assert header == [c.label for c in COLUMNS["members"]]
    line = dict(zip(header, next(r for r in rows[1:] if r[0] == "陈一"), strict=True))
    assert line["性别"] in ("男", "女") and line["流动党员"] in ("是", "否")
    assert line["所在党组织"] == tree.member_a1.party_org.name
