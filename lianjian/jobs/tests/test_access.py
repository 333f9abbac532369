"""Who may do what on the job board: pages and API per role, and what stays hidden (404)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lianjian.jobs import services
from lianjian.jobs.models import Application, Posting, Resume
from lianjian.jobs.tests.factories import make_application, make_resume, posting_data

pytestmark = pytest.mark.django_db

PAGES = [
    "/jobs/",
    "/jobs/resume/",
    "/jobs/mine/",
    "/jobs/postings/",
    "/jobs/postings/new/",
    "/jobs/review/",
    "/jobs/report/",
]
# page -> the personas who get 200 (everyone else 403; anonymous users go to the login)
ALLOWED = {
    "/jobs/": {"member"},
    "/jobs/resume/": {"member"},
    "/jobs/mine/": {"member"},
    "/jobs/postings/": {"recruiter"},
    "/jobs/postings/new/": {"recruiter"},
    "/jobs/review/": {"district_admin", "street_staff", "secretary_a1", "secretary_a2"},
    "/jobs/report/": {"district_admin", "street_staff", "secretary_a1", "secretary_a2"},
}


@pytest.mark.parametrize("page", PAGES)
def test_permission_matrix_of_the_pages(
    client_for: Any, personas: Any, board: Any, page: str
) -> None:
    people = dict(personas.all(), recruiter=board.recruiter)
    for name, user in people.items():
        status = client_for(user).get(page).status_code
        expected = 200 if name in ALLOWED[page] else 403
        assert status == expected, (name, page, status)


def test_anonymous_users_are_sent_to_the_login(client: Any) -> None:
    response = client.get("/jobs/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_a_recruiter_never_reaches_another_enterprises_postings_or_applications(
    tree: Any, board: Any, personas: Any, client_for: Any
) -> None:
    application = make_application(
        make_resume(personas.member, tree.community_a1), board.other_posting
    )
    mine = client_for(board.recruiter)
    assert mine.get(f"/jobs/postings/{board.other_posting.pk}/").status_code == 404
    assert mine.get(f"/jobs/applications/{application.pk}/").status_code == 404
    moved = mine.post(f"/jobs/applications/{application.pk}/", {"stage": "interview"})
    assert moved.status_code == 404
    application.refresh_from_db()
    assert application.stage == Application.Stage.APPLIED  # nothing changed
    api = mine.get(f"/api/v1/jobs/postings/{board.other_posting.pk}/applications")
    assert api.status_code == 404
    # the other recruiter sees it, with the resident's number, and opening it marks it viewed
    theirs = client_for(board.other_recruiter).get(f"/jobs/applications/{application.pk}/")
    assert theirs.status_code == 200 and "13800001111" in theirs.content.decode()
    application.refresh_from_db()
    assert application.stage == Application.Stage.VIEWED


def test_a_resume_not_applied_and_not_opted_in_reaches_no_recruiter(
    tree: Any, board: Any, personas: Any, client_for: Any
) -> None:
    resume = make_resume(personas.member, tree.community_a1, discoverable=False)
    page = client_for(board.recruiter).get(f"/jobs/postings/{board.posting.pk}/").content.decode()
    assert resume.name not in page and "13800001111" not in page
    api = client_for(board.recruiter).get(f"/api/v1/jobs/postings/{board.posting.pk}/applications")
    assert api.status_code == 200 and api.json() == []


def test_staff_review_only_inside_their_scope(
    tree: Any, board: Any, personas: Any, client_for: Any
) -> None:
    draft = services.posting_save(
        actor=board.recruiter, unit=tree.unit_a1, data=posting_data(title="电工")
    )
    services.posting_submit(draft, actor=board.recruiter)
    other = client_for(personas.secretary_a2)  # 虹仙 is not where the enterprise sits
    assert other.get(f"/jobs/review/postings/{draft.pk}/").status_code == 404
    assert (
        other.post(f"/jobs/review/postings/{draft.pk}/", {"decision": "approve"}).status_code == 404
    )
    draft.refresh_from_db()
    assert draft.status == Posting.Status.SUBMITTED
    own = client_for(personas.secretary_a1)
    assert (
        own.post(f"/jobs/review/postings/{draft.pk}/", {"decision": "approve"}).status_code == 302
    )
    draft.refresh_from_db()
    assert draft.status == Posting.Status.APPROVED


def _post(client: Any, url: str, body: Any) -> Any:
    return client.post("/api/v1" + url, data=json.dumps(body), content_type="application/json")


def test_api_main_path_from_posting_to_hire(
    tree: Any, board: Any, personas: Any, client_for: Any
) -> None:
    recruiter, secretary, member = (
        client_for(u) for u in (board.recruiter, personas.secretary_a1, personas.member)
    )
    body = posting_data(
        title="夜班保安", expires_on=posting_data()["expires_on"].isoformat(), submit=True
    )
    created = _post(recruiter, "/jobs/postings", body)
    assert created.status_code == 201, created.content
    posting_id = created.json()["id"]
    assert created.json()["status"] == "submitted"
    assert (
        _post(secretary, f"/jobs/postings/{posting_id}/review", {"approve": True}).status_code
        == 200
    )
    resume = member.put(
        "/api/v1/jobs/resume",
        data=json.dumps(
            {
                "name": "陈一",
                "phone": "13800002222",
                "wanted_category": "logistics",
                "skills": "保安",
            }
        ),
        content_type="application/json",
    )
    assert resume.status_code == 200 and resume.json()["phone_masked"] == "138****2222"
    assert (
        _post(member, "/jobs/applications", {"posting": posting_id}).json()["detail"]
        == "简历通过社区审核后才能投递"
    )
    resume_id = resume.json()["id"]
    assert (
        _post(secretary, f"/jobs/resumes/{resume_id}/review", {"approve": True}).status_code == 200
    )
    applied = _post(member, "/jobs/applications", {"posting": posting_id})
    assert applied.status_code == 201
    again = _post(member, "/jobs/applications", {"posting": posting_id})
    assert again.status_code == 400 and again.json()["detail"] == "您已投递过该岗位"
    app_id = applied.json()["id"]
    for stage in ("interview", "offer", "hired"):
        assert (
            _post(recruiter, f"/jobs/applications/{app_id}/stage", {"stage": stage}).status_code
            == 200
        )
    report = client_for(personas.street_staff).get("/api/v1/jobs/report").json()
    assert report["hires"] == 1 and report["by_unit"][0]["unit_id"] == tree.unit_a1.pk


@pytest.mark.parametrize(
    "body",
    [
        {"posting": "x"},
        {"posting": 2**70},
        {"posting": None},
        {},
    ],
)
def test_bad_api_input_is_a_chinese_400_or_422_never_500(
    tree: Any, board: Any, personas: Any, client_for: Any, body: Any
) -> None:
    make_resume(personas.member, tree.community_a1)
    response = _post(client_for(personas.member), "/jobs/applications", body)
    assert response.status_code in (400, 422)
    assert Application.objects.count() == 0


def test_a_forged_posting_id_is_404_and_writes_nothing(
    tree: Any, board: Any, personas: Any, client_for: Any
) -> None:
    make_resume(personas.member, tree.community_a1)
    draft = services.posting_save(actor=board.recruiter, unit=tree.unit_a1, data=posting_data())
    response = _post(client_for(personas.member), "/jobs/applications", {"posting": draft.pk})
    assert response.status_code == 404
    assert Application.objects.count() == 0
    assert Resume.objects.count() == 1
