from __future__ import annotations

from typing import Any

import pytest

from lianjian.surveys.models import Response, Survey
from lianjian.surveys.tests.factories import DEFINITION, GOOD, open_unit_survey

pytestmark = pytest.mark.django_db
API = "/api/v1/surveys"


def test_staff_create_define_open_and_read_results(
    tree: Any, personas: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    r = c.post(
        f"{API}/surveys",
        {"title": "接口问卷", "region_id": tree.street_a.pk, "audience": "units"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = c.put(
        f"{API}/surveys/{sid}/definition",
        {"definition": DEFINITION},
        content_type="application/json",
    )
    assert r.json() == {"version": 1, "frozen": False}
    bad = c.put(
        f"{API}/surveys/{sid}/definition",
        {"definition": {"questions": [{"kind": "x"}]}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["detail"] == "第 1 题的题型无效"
    assert c.post(f"{API}/surveys/{sid}/open").json() == {"count": 3}
    assert c.post(f"{API}/surveys/{sid}/open").status_code == 409
    admin = client_for(personas.unit_admin)
    assert [s["id"] for s in admin.get(f"{API}/inbox").json()] == [sid]
    form = admin.get(f"{API}/inbox/{sid}").json()
    assert form["status"] is None and form["respondent"] == "东银科技有限公司"
    r = admin.post(
        f"{API}/inbox/{sid}/response",
        {"answers": {"sat": 3}, "submit": True},
        content_type="application/json",
    )
    assert r.status_code == 400
    errors = {e["question"]: e["message"] for e in r.json()["errors"]}
    assert errors["needs"] == "此题为必答题"
    r = admin.post(
        f"{API}/inbox/{sid}/response",
        {"answers": GOOD, "submit": True},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    again = admin.post(
        f"{API}/inbox/{sid}/response",
        {"answers": GOOD, "submit": True},
        content_type="application/json",
    )
    assert again.status_code == 409
    # the submitted answers read back as a typed list (each question's value by its kind)
    saved = {a["question"]: a for a in admin.get(f"{API}/inbox/{sid}").json()["answers"]}
    assert saved["needs"]["values"] == ["party", "legal"] and saved["size"]["value"] == "s"
    assert saved["sat"]["number"] == 4
    res = c.get(f"{API}/surveys/{sid}/results").json()
    assert res["respondents"] == 1 and res["rate"]["rate"] == 33.3
    tab = c.get(f"{API}/surveys/{sid}/crosstab", {"row": "needs", "col": "industry"})
    assert tab.status_code == 200 and tab.json()["rows"][0]["total"] == 1
    assert c.get(f"{API}/surveys/{sid}/crosstab", {"row": "advice", "col": "x"}).status_code == 400
    r = c.post(
        f"{API}/surveys/{sid}/needs",
        {"question": "needs", "option": "legal", "contact_phone": "13800138000"},
        content_type="application/json",
    )
    assert r.json() == {"count": 1}


MATRIX = {
    # persona: (list, detail, close, inbox)
    "district_admin": (200, 200, 200, 403),
    "street_staff": (200, 200, 200, 403),
    "secretary_a1": (200, 404, 403, 403),
    "unit_admin": (403, 403, 403, 200),
    "member": (403, 403, 403, 200),
    "outsider": (403, 403, 403, 403),
    "merchant": (403, 403, 403, 403),
}


@pytest.mark.parametrize(("persona", "codes"), MATRIX.items())
def test_api_permission_matrix(
    tree: Any, personas: Any, client_for: Any, persona: str, codes: tuple[int, ...]
) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    c = client_for(getattr(personas, persona))
    got = (
        c.get(f"{API}/surveys").status_code,
        c.get(f"{API}/surveys/{survey.pk}").status_code,
        c.post(f"{API}/surveys/{survey.pk}/close").status_code,
        c.get(f"{API}/inbox").status_code,
    )
    assert got == codes
    assert Survey.objects.get(pk=survey.pk).status == ("closed" if codes[2] == 200 else "open")
    # only the unit it was sent to answers; anyone else: 403/404 and nothing written
    r = c.post(
        f"{API}/inbox/{survey.pk}/response",
        {"answers": GOOD, "submit": True},
        content_type="application/json",
    )
    if persona == "unit_admin":
        assert r.status_code == 200 and Response.objects.count() == 1
    else:
        assert r.status_code in (403, 404) and not Response.objects.exists()


def test_api_bad_input_never_500(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    for body in (
        {},
        {"title": "x"},
        {"title": "x", "region_id": 999999, "audience": "units"},
        {"title": "", "region_id": tree.street_a.pk, "audience": "zzz"},
    ):
        r = c.post(f"{API}/surveys", body, content_type="application/json")
        assert r.status_code in (400, 404, 422), (body, r.content)
    assert c.get(f"{API}/surveys/0").status_code in (404, 422)
    assert c.get(f"{API}/surveys/99999").status_code == 404
