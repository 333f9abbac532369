from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from lianjian.surveys import services
from lianjian.surveys.models import Response, Survey, SurveyVersion
from lianjian.surveys.tests.factories import GOOD, open_unit_survey, unit_survey

pytestmark = pytest.mark.django_db


def _post_answers(c: Any, url: str, answers: dict, op: str = "submit") -> Any:
    data: dict[str, Any] = {"op": op}
    for k, v in answers.items():
        data[k] = v
    return c.post(url, data)


def test_unit_admin_answers_on_the_phone_and_staff_see_it(
    tree: Any, personas: Any, client_for: Any
) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    admin = client_for(personas.unit_admin)
    page = admin.get("/surveys/answer/")
    assert survey.title in page.content.decode()
    url = f"/surveys/answer/{survey.pk}/"
    r = _post_answers(admin, url, {"sat": "2"}, op="save")
    assert r.status_code == 302
    assert 'value="2" checked' in admin.get(url).content.decode()  # the draft resumes
    r = _post_answers(admin, url, {"sat": "2"})
    assert "此题为必答题" in r.content.decode()
    r = _post_answers(admin, url, {**GOOD, "sat": "4"})
    assert "提交成功" in r.content.decode()
    assert Response.objects.get(survey=survey).status == "submitted"
    staff = client_for(personas.street_staff)
    body = staff.get(f"/surveys/{survey.pk}/").content.decode()
    assert 'data-testid="submitted">1<' in body
    assert "33.3%" in body  # 1 of 3 units


def test_answer_page_is_404_for_those_it_was_not_sent_to(
    tree: Any, personas: Any, client_for: Any
) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    for user in (personas.member, personas.secretary_a1):
        assert client_for(user).get(f"/surveys/answer/{survey.pk}/").status_code in (403, 404)


PERSONA_STATUS = {
    "district_admin": 200,
    "street_staff": 200,
    "secretary_a1": 404,  # the survey lies in the street, not in the community
    "unit_admin": 403,
    "member": 403,
    "outsider": 403,
    "merchant": 403,
}


@pytest.mark.parametrize(("persona", "status"), PERSONA_STATUS.items())
def test_detail_permission_matrix(
    tree: Any, personas: Any, client_for: Any, persona: str, status: int
) -> None:
    survey = open_unit_survey(tree, personas.street_staff)
    c = client_for(getattr(personas, persona))
    assert c.get(f"/surveys/{survey.pk}/").status_code == status
    closed = c.post(f"/surveys/{survey.pk}/close/")
    assert Survey.objects.get(pk=survey.pk).status == (
        "closed" if persona in ("district_admin", "street_staff") else "open"
    )
    if persona not in ("district_admin", "street_staff"):
        assert closed.status_code in (403, 404)


def test_builder_adds_and_versions(tree: Any, personas: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    r = c.post(
        "/surveys/new/", {"title": "测试问卷", "region": tree.street_a.pk, "audience": "units"}
    )
    assert r.status_code == 302
    survey = Survey.objects.get(title="测试问卷")
    url = f"/surveys/{survey.pk}/build/"
    c.post(
        url,
        {
            "op": "add",
            "title": "需要哪些服务",
            "kind": "multiple",
            "required": "1",
            "options": "党群服务\n法律服务",
        },
    )
    c.post(
        url,
        {
            "op": "add",
            "title": "法律服务内容",
            "kind": "text",
            "show_if_question": "q1",
            "show_if_options": "法律服务",
        },
    )
    d = services.current_version(survey).definition
    assert d["questions"][1]["show_if"] == {"question": "q1", "in": ["o2"]}
    assert c.post(f"/surveys/{survey.pk}/open/").status_code == 302
    survey.refresh_from_db()
    who = services.respondent_for(survey, personas.unit_admin)
    services.response_save(
        survey, respondent_key=who["key"], unit=who["unit"], answers={"q1": ["o1"]}, submit=True
    )
    c.post(url, {"op": "add", "title": "满意度", "kind": "scale"})
    assert SurveyVersion.objects.filter(survey=survey).count() == 2


def test_export_is_masked_and_formula_safe(tree: Any, personas: Any, client_for: Any) -> None:
    survey = unit_survey(tree, personas.street_staff, audience="public")
    services.survey_open(survey, actor=personas.street_staff)
    services.response_save(
        survey,
        respondent_key="user:1",
        answers={**GOOD, "advice": "=HYPERLINK(1)"},
        submit=True,
        respondent_name="陈一",
    )
    r = client_for(personas.street_staff).get(f"/surveys/{survey.pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "陈*"
    assert "'=HYPERLINK(1)" in rows[1]
    assert client_for(personas.member).get(f"/surveys/{survey.pk}/export.xlsx").status_code == 403


def test_public_link_anonymous_once_per_browser(tree: Any, personas: Any, client: Any) -> None:
    survey = unit_survey(tree, personas.street_staff, audience="public", anonymous=True)
    services.survey_open(survey, actor=personas.street_staff)
    url = f"/surveys/s/{survey.public_token}/"
    assert client.get(url).status_code == 200
    r = _post_answers(client, url, GOOD)
    assert "提交成功" in r.content.decode()
    assert "已提交过" in client.get(url).content.decode()
    assert Response.objects.filter(survey=survey, status="submitted").count() == 1
    qr = client.get(f"/surveys/{survey.pk}/qr.svg")
    assert qr.status_code in (302, 403)  # the QR is for staff
    svg = __import__("django.test", fromlist=["Client"]).Client()
    svg.force_login(personas.street_staff)
    assert svg.get(f"/surveys/{survey.pk}/qr.svg").content.startswith(b"<svg")


def test_login_required_public_link_redirects(tree: Any, personas: Any, client: Any) -> None:
    survey = unit_survey(tree, personas.street_staff, audience="public", login_required=True)
    services.survey_open(survey, actor=personas.street_staff)
    r = client.get(f"/surveys/s/{survey.public_token}/")
    assert r.status_code == 302 and "login" in r["Location"]
