"""帮扶对子 on the phone (375 px): the pairing unit's admin sees its pairs and logs a visit
with text, value and a photo; the permission matrix; another unit's admin gets 404 and
changes nothing; the household masked for whoever may not read it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianjian.core.roles import Role
from lianjian.projects.models import Pair, PairVisit, PairVisitPhoto
from lianjian.projects.tests.factories import EVERYONE, IN_SCOPE, PairWorld

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WRITERS = IN_SCOPE | {"secretary_a2", "member"}  # projects.manage or projects.claim


def _visit(**extra: Any) -> dict[str, Any]:
    return {
        "visited_on": timezone.localdate().isoformat(),
        "note": "上门送药",
        "value": "80",
        **extra,
    }


def _other_unit_admin(tree: Any) -> Any:
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add

    other = User.objects.create(username="unit_admin_b", must_change_password=False)
    grant_add(other, Role.UNIT_ADMIN, party_org=tree.org_b1)
    return other


def _expected(page: str, who: str) -> int:
    if who not in WRITERS:
        return 403
    if page == "list":
        return 200
    ok = 200 if page == "detail" else 302
    return ok if who in IN_SCOPE else 404


@pytest.mark.parametrize("who", EVERYONE)
def test_phone_pairs_permission_matrix(
    pw: PairWorld, personas: Any, client_for: Any, who: str
) -> None:
    c = client_for(getattr(personas, who))
    url = f"/projects/m/pairs/{pw.pair.pk}/"
    got = {
        "list": c.get("/projects/m/pairs/").status_code,
        "detail": c.get(url).status_code,
        "visit": c.post(url, _visit()).status_code,
    }
    assert got == {page: _expected(page, who) for page in got}
    assert PairVisit.objects.filter(pair=pw.pair).count() == (2 if who in IN_SCOPE else 1)


def test_unit_admin_logs_a_visit_with_a_photo(
    pw: PairWorld, personas: Any, client_for: Any
) -> None:
    unit = client_for(personas.unit_admin)
    home = unit.get("/projects/m/").content.decode()
    assert "/projects/m/pairs/" in home
    listed = unit.get("/projects/m/pairs/").content.decode()
    # its own pair in full (the unit reads its household), never the sibling street's
    assert "周家" in listed and "300.00" in listed and "孙" not in listed
    url = f"/projects/m/pairs/{pw.pair.pk}/"
    page = unit.get(url).content.decode()
    assert "母亲重病" in page and 'capture="environment"' in page
    # today, as a date input can show it (ISO), so the unit only types what it did
    assert f'type="date" name="visited_on" value="{timezone.localdate().isoformat()}"' in page
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    r = unit.post(url, _visit(value="120.5", photo=photo))
    assert r.status_code == 302 and r["Location"] == url
    visit = PairVisit.objects.filter(pair=pw.pair).latest("id")
    assert visit.value == Decimal("120.50") and visit.note == "上门送药"
    assert visit.created_by_id == personas.unit_admin.pk
    shot = PairVisitPhoto.objects.get(visit=visit)
    assert shot.content_type == "image/png" and shot.file.name.endswith(".png")
    assert "现场" not in shot.file.name  # never the uploaded name
    page = unit.get(url).content.decode()
    assert re.search(r'id="visit-count">2<', page) and "420.50" in page
    assert f"/projects/pairs/photos/{shot.token}/" in page
    got = unit.get(f"/projects/pairs/photos/{shot.token}/")
    assert got.status_code == 200 and got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert b"".join(got.streaming_content) == PNG
    # the desk page's sum moved with it
    desk = unit.get(f"/projects/pairs/{pw.pair.pk}/").content.decode()
    assert re.search(r'id="visit-value">420.50<', desk)


def test_refusals_write_nothing(pw: PairWorld, personas: Any, client_for: Any) -> None:
    unit = client_for(personas.unit_admin)
    url = f"/projects/m/pairs/{pw.pair.pk}/"
    bad = [
        (_visit(note=""), "帮扶内容"),
        (_visit(value="-5"), "价值"),
        (_visit(visited_on="明天"), "帮扶日期"),
        (_visit(visited_on="2001-01-01"), "帮扶日期不能早于结对日期"),
        (
            _visit(photo=SimpleUploadedFile("x.png", b"not an image", content_type="image/png")),
            "照片",
        ),
    ]
    for body, words in bad:
        r = unit.post(url, body)
        assert r.status_code == 200, body
        text = r.content.decode()
        assert "errorlist" in text and words in text, (body, words)
    assert PairVisit.objects.filter(pair=pw.pair).count() == 1
    assert not PairVisitPhoto.objects.exists()
    Pair.objects.filter(pk=pw.pair.pk).update(ended_on=timezone.localdate())
    r = unit.post(url, _visit())
    assert r.status_code == 200 and PairVisit.objects.filter(pair=pw.pair).count() == 1
    page = unit.get(url).content.decode()
    assert "已结束" in page and 'id="visit-form"' not in page


def test_another_units_admin_gets_404_and_changes_nothing(
    pw: PairWorld, tree: Any, client_for: Any, personas: Any
) -> None:
    unit = client_for(personas.unit_admin)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    unit.post(f"/projects/m/pairs/{pw.pair.pk}/", _visit(photo=photo))
    token = PairVisitPhoto.objects.get().token
    before = list(PairVisit.objects.order_by("id").values_list("pk", "value"))
    other = client_for(_other_unit_admin(tree))
    listed = other.get("/projects/m/pairs/").content.decode()
    # its own pair (孙家, in full) but never the first unit's
    assert "孙家" in listed and "周" not in listed
    url = f"/projects/m/pairs/{pw.pair.pk}/"
    assert other.get(url).status_code == 404
    assert other.post(url, _visit(value="999")).status_code == 404
    assert other.get(f"/projects/pairs/photos/{token}/").status_code == 404
    assert other.get("/projects/m/pairs/999999/").status_code == 404
    assert list(PairVisit.objects.order_by("id").values_list("pk", "value")) == before
    # and the first unit cannot reach the other's pair either
    assert unit.get(f"/projects/m/pairs/{pw.pair_b.pk}/").status_code == 404


def test_household_masked_for_whoever_may_not_read_it(
    pw: PairWorld, personas: Any, client_for: Any
) -> None:
    unit = client_for(personas.unit_admin)
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    unit.post(f"/projects/m/pairs/{pw.pair.pk}/", _visit(photo=photo))
    token = PairVisitPhoto.objects.get().token
    # the street manages the community (it may log a visit) but reads the household masked
    street = client_for(personas.street_staff)
    listed = street.get("/projects/m/pairs/").content.decode()
    assert "周*" in listed and "周家" not in listed
    page = street.get(f"/projects/m/pairs/{pw.pair.pk}/").content.decode()
    assert "周*" in page and "周家" not in page and "母亲重病" not in page
    # the photo shows the household: not for the street either
    assert token not in page
    assert street.get(f"/projects/pairs/photos/{token}/").status_code == 404
    # the community's own secretary reads it in full, as on the desk
    sec = client_for(personas.secretary_a1).get(f"/projects/m/pairs/{pw.pair.pk}/")
    assert "周家" in sec.content.decode() and "母亲重病" in sec.content.decode()
