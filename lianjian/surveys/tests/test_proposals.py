"""From answers to a joint-meeting proposal (issue 19 item 3): filed through the alliances
proposal service, linked back, scoped, once per option and body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.alliances.models import Body, Proposal
from lianjian.alliances.services import alliances as alliance_services
from lianjian.alliances.tests.factories import FOUNDED, make_world
from lianjian.surveys import actions, services
from lianjian.surveys.definition import SurveyError
from lianjian.surveys.models import ProposalLink
from lianjian.surveys.tests.factories import GOOD, open_unit_survey, unit_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(tree: Any, personas: Any) -> Any:
    """虹桥街道's survey: 东银科技 and 虹仙便民超市 want legal services, 虹储物业 does not."""
    survey = open_unit_survey(tree, personas.street_staff)
    sets: dict[Any, dict[str, Any]] = {
        personas.unit_admin: GOOD,
        unit_admin(tree.unit_a1, "admin_a1"): {"needs": ["party"], "size": "l"},
        unit_admin(tree.unit_a2, "admin_a2"): {
            "needs": ["legal"],
            "legal_detail": "知识产权",
            "size": "s",
        },
    }
    for user, answers in sets.items():
        who = services.respondent_for(survey, user)
        services.response_save(
            survey,
            respondent_key=who["key"],
            unit=who["unit"],
            user=user,
            answers=answers,
            submit=True,
        )
    return survey


@pytest.fixture
def body(tree: Any) -> Body:
    return make_world(tree).body  # 虹桥街道联席会议: unit_a1, unit_a2, unit_building


@pytest.fixture
def far_body(tree: Any) -> Body:
    """程家桥街道's joint meeting: outside 虹桥街道's staff's scope."""
    far = alliance_services.body_create(
        name="程家桥街道联席会议", kind=Body.Kind.STREET, region=tree.street_b
    )
    alliance_services.body_members_add_many(far, [tree.unit_a1], joined_on=FOUNDED)
    return far


def _file(survey: Any, actor: Any, body: Any, unit: Any, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "actor": actor,
        "question_key": "needs",
        "option": "legal",
        "body_id": body.pk,
        "unit_id": unit.pk,
        "title": "关于为园区企业提供法律服务的建议",
        "content": "两家企业希望提供法律服务",
        "category": "service",
    }
    args.update(kw)
    return actions.proposal_file(survey, **args)


def test_a_proposal_is_filed_through_the_alliances_service_and_linked_back(
    answered: Any, body: Any, personas: Any, tree: Any
) -> None:
    proposal, created = _file(answered, personas.street_staff, body, tree.unit_a1)
    assert created
    assert proposal.body_id == body.pk and proposal.unit_id == tree.unit_a1.pk
    assert proposal.status == Proposal.Status.SUBMITTED
    assert proposal.source == Proposal.Source.OPINION
    assert proposal.submitted_by == personas.street_staff
    # the service's history rows: draft, then submitted
    assert list(proposal.history.values_list("to_status", flat=True)) == ["draft", "submitted"]
    link = ProposalLink.objects.get(survey=answered)
    assert (link.question, link.option, link.body_id) == ("needs", "legal", body.pk)
    assert {r.unit_id for r in link.responses.all()} == {tree.unit_building.pk, tree.unit_a2.pk}


def test_double_submission_files_one_proposal(
    answered: Any, body: Any, personas: Any, tree: Any
) -> None:
    first, created = _file(answered, personas.street_staff, body, tree.unit_a1)
    again, created_again = _file(answered, personas.district_admin, body, tree.unit_a2)
    assert created and not created_again
    assert again.pk == first.pk
    assert Proposal.objects.filter(body=body).exclude(pk=make_world_proposal(body)).count() == 1
    assert ProposalLink.objects.count() == 1


def make_world_proposal(body: Any) -> int:
    """The proposal the alliances world fixture files itself."""
    return int(Proposal.objects.filter(body=body).order_by("pk").values_list("pk", flat=True)[0])


def test_a_body_outside_the_scope_is_refused_in_chinese(
    answered: Any, far_body: Any, personas: Any, tree: Any
) -> None:
    with pytest.raises(SurveyError, match="联席会议不存在或不在您的管理范围内"):
        _file(answered, personas.street_staff, far_body, tree.unit_a1)
    assert not Proposal.objects.filter(body=far_body).exists()
    # the district sees both streets: the same body is fine for its staff
    _, created = _file(answered, personas.district_admin, far_body, tree.unit_a1)
    assert created


def test_refusals(answered: Any, body: Any, personas: Any, tree: Any) -> None:
    staff = personas.street_staff
    from lianjian.orgs.tests.factories import make_unit

    stranger = make_unit(region=tree.community_a1, name="不在联席会议的公司")
    with pytest.raises(SurveyError, match="成员单位"):
        _file(answered, staff, body, stranger)
    with pytest.raises(SurveyError, match="请选择该题的一个选项"):
        _file(answered, staff, body, tree.unit_a1, option="nope")
    with pytest.raises(SurveyError, match="没有选择该选项的答卷"):
        _file(answered, staff, body, tree.unit_a1, option="health")
    with pytest.raises(SurveyError, match="标题"):
        _file(answered, staff, body, tree.unit_a1, title="  ")
    assert not ProposalLink.objects.exists()


def test_draft_names_the_units_and_the_share(answered: Any, personas: Any) -> None:
    draft = actions.proposal_draft(
        answered, actor=personas.street_staff, question_key="needs", option="legal"
    )
    assert (draft.responses, draft.submitted) == (2, 3)
    assert "东银科技有限公司" in draft.content and "虹仙便民超市" in draft.content
    assert "66.7%" in draft.content
    assert draft.title.startswith("关于法律服务的建议")


def test_desk_page_flow(
    answered: Any, body: Any, far_body: Any, personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    detail = c.get(f"/surveys/{answered.pk}/").content.decode()
    assert "据答卷向联席会议提出议案" in detail
    url = f"/surveys/{answered.pk}/proposal/"
    page = c.get(url, {"question": "needs", "option": "legal"}).content.decode()
    assert 'data-testid="selected">2<' in page
    assert body.name in page and far_body.name not in page  # only bodies in scope
    page = c.get(url, {"question": "needs", "option": "legal", "body": body.pk}).content.decode()
    assert tree.unit_a2.name in page and "66.7%" in page  # the members, the suggested text
    data = {
        "question": "needs",
        "option": "legal",
        "body": body.pk,
        "unit": tree.unit_a2.pk,
        "category": "service",
        "title": "关于法律服务进园区的建议",
        "content": "两家企业希望提供法律服务",
    }
    r = c.post(url, data, follow=True)
    assert "已向“虹桥街道联席会议”提交议案" in r.content.decode()
    r = c.post(url, data, follow=True)
    assert "提交过议案" in r.content.decode()
    assert ProposalLink.objects.count() == 1
    detail = c.get(f"/surveys/{answered.pk}/").content.decode()
    assert 'data-testid="survey-proposals"' in detail and "关于法律服务进园区的建议" in detail
    # a body outside the scope, posted by hand: a Chinese message, nothing filed
    r = c.post(url, {**data, "body": far_body.pk})
    assert r.status_code == 200 and "联席会议不存在或不在您的管理范围内" in r.content.decode()
    r = c.post(url, {**data, "option": "party", "unit": 0})
    assert r.status_code == 200 and "提出单位须是该联席会议的成员单位" in r.content.decode()
    assert ProposalLink.objects.count() == 1
    # an option nobody chose goes back to the results with a message
    r = c.get(url, {"question": "needs", "option": "health"}, follow=True)
    assert "没有选择该选项的答卷" in r.content.decode()


PAGE_STATUS = {
    "district_admin": 200,
    "street_staff": 200,
    "secretary_a1": 403,  # reads results, files nothing
    "unit_admin": 403,
    "member": 403,
    "outsider": 403,
}


@pytest.mark.parametrize(("persona", "status"), PAGE_STATUS.items())
def test_proposal_page_permission_matrix(
    answered: Any, personas: Any, client_for: Any, persona: str, status: int
) -> None:
    c = client_for(getattr(personas, persona))
    r = c.get(f"/surveys/{answered.pk}/proposal/", {"question": "needs", "option": "legal"})
    assert r.status_code == status


def test_api_files_once_and_refuses_out_of_scope(
    answered: Any, body: Any, far_body: Any, personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    url = f"/api/v1/surveys/surveys/{answered.pk}/proposals"
    payload = {
        "question": "needs",
        "option": "legal",
        "body_id": body.pk,
        "unit_id": tree.unit_building.pk,
        "title": "关于法律服务进园区的建议",
        "content": "两家企业希望提供法律服务",
        "category": "service",
    }
    r = c.post(url, json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["created"] is True and out["responses"] == 2 and out["status"] == "submitted"
    r = c.post(url, json.dumps(payload), content_type="application/json")
    assert r.status_code == 200 and r.json()["created"] is False
    assert r.json()["proposal_id"] == out["proposal_id"]
    r = c.post(
        url, json.dumps({**payload, "body_id": far_body.pk}), content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json()["detail"] == "联席会议不存在或不在您的管理范围内"
    listed = c.get(url).json()
    assert [p["proposal_id"] for p in listed] == [out["proposal_id"]]
    secretary = client_for(personas.secretary_a1)
    r = secretary.post(url, json.dumps(payload), content_type="application/json")
    assert r.status_code == 403
