"""Evidence files: checked by their bytes, stored under our token, served only in scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from lianjian.ratings import flow
from lianjian.ratings.models import Evidence, Rating
from lianjian.ratings.services import RatingError
from lianjian.ratings.tests.factories import manual_ids, open_round

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(tmp_path: Any) -> Any:
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        yield


def test_upload_then_submit_with_a_file_only(personas: Any, tree: Any, client_for: Any) -> None:
    rnd = open_round(tree)
    ids = manual_ids(rnd)
    rating = Rating.objects.get(round=rnd, party_org=tree.org_building)
    org = client_for(personas.unit_admin)
    resp = org.post(
        f"/ratings/ratings/{rating.pk}/self/",
        {
            f"score_{ids['组织生活']}": "9",
            f"score_{ids['党员教育']}": "9",
            f"files_{ids['组织生活']}": SimpleUploadedFile("签到表.png", PNG, "image/png"),
            "action": "submit",
        },
    )
    assert resp.status_code == 302
    rating.refresh_from_db()
    assert rating.status == "submitted"  # the file stands in for the evidence text
    ev = Evidence.objects.get(score__rating=rating)
    assert ev.extension == "png" and ev.original_name == "签到表.png" and ev.token in ev.file.name
    assert org.get(f"/ratings/evidence/{ev.token}/").status_code == 200
    assert (
        client_for(personas.street_staff).get(f"/ratings/evidence/{ev.token}/").status_code == 200
    )
    assert (
        client_for(personas.district_admin).get(f"/ratings/evidence/{ev.token}/").status_code == 200
    )
    other = Rating.objects.get(round=rnd, party_org=tree.org_b1)
    with pytest.raises(RatingError, match="不是图片或 PDF"):
        flow.evidence_add(
            other, ids["组织生活"], [SimpleUploadedFile("x.png", b"MZ" + b"\x00" * 30)]
        )
    assert Evidence.objects.count() == 1


def test_evidence_outside_scope_is_404(personas: Any, tree: Any, client_for: Any) -> None:
    rnd = open_round(tree)
    ids = manual_ids(rnd)
    rating = Rating.objects.get(round=rnd, party_org=tree.org_b1)
    (ev,) = flow.evidence_add(
        rating, ids["组织生活"], [SimpleUploadedFile("a.png", PNG, "image/png")]
    )
    # 程家桥街道's organization: not the 虹桥 street's, not the building branch admin's
    assert (
        client_for(personas.street_staff).get(f"/ratings/evidence/{ev.token}/").status_code == 404
    )
    assert client_for(personas.unit_admin).get(f"/ratings/evidence/{ev.token}/").status_code == 404
    assert (
        client_for(personas.district_admin).get(f"/ratings/evidence/{ev.token}/").status_code == 200
    )
    assert client_for(personas.unit_admin).get("/ratings/evidence/nope/").status_code == 404
