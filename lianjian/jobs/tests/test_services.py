"""The job board's rules: review before going live, consent, one application, stages, expiry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.core.models import Notification
from lianjian.jobs import access, selectors, services
from lianjian.jobs.models import Application, Match, Posting, Resume
from lianjian.jobs.services import JobError
from lianjian.jobs.tests.factories import make_application, make_posting, make_resume, posting_data

pytestmark = pytest.mark.django_db


def test_a_posting_is_not_live_until_the_community_approves_it(
    tree: Any, board: Any, personas: Any
) -> None:
    draft = services.posting_save(
        actor=board.recruiter, unit=tree.unit_a1, data=posting_data(title="保洁员")
    )
    assert draft.status == Posting.Status.DRAFT
    assert draft.community_id == tree.community_a1.pk  # located where the enterprise is
    services.posting_submit(draft, actor=board.recruiter)
    assert not access.postings_live().filter(pk=draft.pk).exists()
    with pytest.raises(JobError, match="写明审核意见"):
        services.posting_review(draft, actor=personas.secretary_a1, approve=False)
    services.posting_review(
        draft, actor=personas.secretary_a1, approve=False, comment="请写明工作地点"
    )
    draft.refresh_from_db()
    assert draft.status == Posting.Status.RETURNED and draft.review_comment == "请写明工作地点"
    assert Notification.objects.filter(
        recipient=board.recruiter, kind="jobs.posting_reviewed"
    ).exists()
    services.posting_submit(draft, actor=board.recruiter)
    services.posting_review(draft, actor=personas.secretary_a1, approve=True)
    assert access.postings_live().filter(pk=draft.pk).exists()


def test_editing_a_live_posting_sends_it_back_to_review(tree: Any, board: Any) -> None:
    services.posting_save(
        actor=board.recruiter,
        unit=tree.unit_a1,
        data=posting_data(title="仓储主管"),
        posting=board.posting,
    )
    board.posting.refresh_from_db()
    assert board.posting.status == Posting.Status.SUBMITTED
    assert not access.postings_live().filter(pk=board.posting.pk).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pay_min": 8000, "pay_max": 6000}, "pay_max"),
        ({"openings": 0}, "openings"),
        ({"openings": "三"}, "openings"),
        ({"contact_phone": "1391234567"}, "contact_phone"),
        ({"expires_on": dt.date(2020, 1, 1)}, "expires_on"),
        ({"expires_on": "2026/12/31"}, "expires_on"),
        ({"age_min": 40, "age_max": 30}, "age_max"),
        ({"category": "astronaut"}, "category"),
        ({"title": " "}, "title"),
    ],
)
def test_bad_posting_input_names_its_field_and_writes_nothing(
    tree: Any, board: Any, change: dict[str, Any], field: str
) -> None:
    before = Posting.objects.count()
    with pytest.raises(JobError) as err:
        services.posting_save(actor=board.recruiter, unit=tree.unit_a1, data=posting_data(**change))
    assert err.value.field == field
    assert Posting.objects.count() == before


def test_full_width_digits_in_a_phone_are_read_as_digits(tree: Any, board: Any) -> None:
    posting = services.posting_save(
        actor=board.recruiter,
        unit=tree.unit_a1,
        data=posting_data(contact_phone="１３９１２３４５６７８"),
    )
    assert posting.contact_phone == "13912345678"


def test_a_resident_applies_once_with_an_approved_resume(
    tree: Any, board: Any, personas: Any
) -> None:
    resume = make_resume(personas.member, tree.community_a1, approved=False)
    with pytest.raises(JobError, match="审核后"):
        services.apply(resume=resume, posting=board.posting, actor=personas.member)
    services.resume_review(resume, actor=personas.secretary_a1, approve=True)
    resume.refresh_from_db()
    application = services.apply(resume=resume, posting=board.posting, actor=personas.member)
    assert application.unit_id == tree.unit_a1.pk
    assert Notification.objects.filter(
        recipient=board.recruiter, kind="jobs.application_new"
    ).exists()
    with pytest.raises(JobError, match="已投递"):
        services.apply(resume=resume, posting=board.posting, actor=personas.member)
    assert Application.objects.filter(resume=resume).count() == 1


def test_no_application_to_a_posting_that_is_not_live(tree: Any, board: Any, personas: Any) -> None:
    resume = make_resume(personas.member, tree.community_a1)
    services.posting_close(board.posting, actor=board.recruiter, status=Posting.Status.FILLED)
    with pytest.raises(JobError, match="停止招聘"):
        services.apply(resume=resume, posting=board.posting, actor=personas.member)


def test_stages_move_only_along_the_table_and_hiring_records_the_date(
    tree: Any, board: Any, personas: Any
) -> None:
    application = make_application(make_resume(personas.member, tree.community_a1), board.posting)
    with pytest.raises(JobError, match="不能改为"):
        services.application_move(application, actor=board.recruiter, stage="hired")
    for stage in ("viewed", "interview", "offer", "hired"):
        services.application_move(application, actor=board.recruiter, stage=stage)
    application.refresh_from_db()
    assert application.stage == "hired" and application.hired_on == timezone.localdate()
    assert [e.stage for e in application.events.all()] == [
        "applied",
        "viewed",
        "interview",
        "offer",
        "hired",
    ]
    told = Notification.objects.filter(recipient=personas.member, kind="jobs.application_stage")
    assert told.count() == 4
    with pytest.raises(JobError):
        services.application_move(application, actor=board.recruiter, stage="declined")


def test_withdrawing_consent_hides_the_resume_from_every_employer_at_once(
    tree: Any, board: Any, personas: Any
) -> None:
    resume = make_resume(personas.member, tree.community_a1, discoverable=True)
    assert resume.consent_version == services.CONSENT_VERSION and resume.consent_at is not None
    Match.objects.create(posting=board.posting, resume=resume, score=1.0, reasons="测试")
    assert list(selectors.suggested_residents(board.posting)) != []
    assert access.resumes_findable_by(board.recruiter).filter(pk=resume.pk).exists()
    services.resume_set_discoverable(resume, actor=personas.member, discoverable=False)
    resume.refresh_from_db()
    assert resume.consent_withdrawn_at is not None
    assert list(selectors.suggested_residents(board.posting)) == []
    assert not access.resumes_findable_by(board.recruiter).filter(pk=resume.pk).exists()


def test_withdrawing_the_resume_ends_open_applications(
    tree: Any, board: Any, personas: Any
) -> None:
    application = make_application(make_resume(personas.member, tree.community_a1), board.posting)
    services.resume_withdraw(application.resume, actor=personas.member)
    application.refresh_from_db()
    assert application.stage == Application.Stage.WITHDRAWN
    assert application.resume.status == Resume.Status.WITHDRAWN


def test_postings_expire_after_their_date(tree: Any, board: Any) -> None:
    closing = board.posting.expires_on
    with time_machine.travel(closing + dt.timedelta(days=1)):
        assert not access.postings_live().filter(pk=board.posting.pk).exists()
        assert services.expire_postings() == 2
    board.posting.refresh_from_db()
    assert board.posting.status == Posting.Status.EXPIRED


def test_the_resident_list_puts_the_own_community_first(
    tree: Any, board: Any, personas: Any
) -> None:
    # the member lives in 虹储 (community_a1): its posting comes before 虹仙's, whichever is newer
    ids = [p.pk for p in selectors.live_jobs(personas.member, {})]
    assert ids == [board.posting.pk, board.other_posting.pk]
    only_here = [p.pk for p in selectors.live_jobs(personas.member, {"distance": "community"})]
    assert only_here == [board.posting.pk]
    retail = [p.pk for p in selectors.live_jobs(personas.member, {"category": "retail"})]
    assert retail == [board.other_posting.pk]
    assert [p.pk for p in selectors.live_jobs(personas.member, {"pay": "99999"})] == []


def test_the_report_counts_hires_per_community_and_enterprise(
    tree: Any, board: Any, personas: Any
) -> None:
    application = make_application(make_resume(personas.member, tree.community_a1), board.posting)
    for stage in ("interview", "offer", "hired"):
        services.application_move(application, actor=board.recruiter, stage=stage)
    data = selectors.report(personas.street_staff)
    by_name = {r.region.name: r for r in data.rows}
    assert by_name["虹储居民区"].hires == 1 and by_name["虹储居民区"].live_postings == 1
    assert by_name["虹仙居民区"].hires == 0 and by_name["虹仙居民区"].live_postings == 1
    assert data.total is not None and data.total.hires == 1 and data.total.enterprises == 2
    assert [(u.pk, n) for u, n in data.hires_by_unit] == [(tree.unit_a1.pk, 1)]
    # a secretary sees their own community only
    own = selectors.report(personas.secretary_a2)
    assert [r.region.name for r in own.rows] == ["虹仙居民区"]


def test_a_building_that_hangs_under_no_community_is_a_row_of_its_street(
    tree: Any, board: Any, personas: Any
) -> None:
    from lianjian.jobs.tests.factories import recruiter

    building_recruiter = recruiter(tree.unit_building, "recruiter_building")
    posting = make_posting(tree.unit_building, building_recruiter, reviewer=personas.street_staff)
    assert posting.community_id is None and posting.area_id == tree.building_a.pk
    application = make_application(make_resume(personas.member, tree.community_a1), posting)
    for stage in ("interview", "offer", "hired"):
        services.application_move(application, actor=building_recruiter, stage=stage)
    data = selectors.report(personas.street_staff)
    by_name = {r.region.name: r.hires for r in data.rows}
    assert by_name["东银中心"] == 1
    assert data.total is not None and data.total.hires == sum(by_name.values()) == 1


def test_the_resident_list_pages_through_the_distance_bands_in_order(
    tree: Any, board: Any, personas: Any
) -> None:
    """Pages cut across the bands (own community, rest of street, rest of district) as one list."""
    from django.core.paginator import Paginator

    def copy(posting: Posting, region: Any, minutes: int, urgent: bool = False) -> int:
        posting.pk = None
        posting.published_at = timezone.now() - dt.timedelta(minutes=minutes)
        posting.urgent = urgent
        posting.__dict__.update(region.ancestor_ids())
        posting.save()
        return posting.pk

    Posting.objects.filter(pk__in=[board.posting.pk, board.other_posting.pk]).update(urgent=False)
    template = Posting.objects.get(pk=board.posting.pk)
    own = [board.posting.pk, copy(template, tree.community_a1, 90)]
    own.insert(0, copy(template, tree.community_a1, 300, urgent=True))  # urgent first in a band
    street = [board.other_posting.pk, copy(template, tree.community_a2, 500)]
    district = [copy(template, tree.community_b1, 1), copy(template, tree.community_b1, 2)]
    expected = own + street + district

    jobs = selectors.live_jobs(personas.member, {})
    assert [p.pk for p in jobs] == expected
    assert jobs.count() == len(expected)
    for start in range(len(expected) + 1):
        for size in (1, 2, 3, 10):
            assert [p.pk for p in jobs[start : start + size]] == expected[start : start + size]
    pages = Paginator(selectors.live_jobs(personas.member, {}), 2)
    assert pages.num_pages == 4
    assert [[p.pk for p in pages.page(n)] for n in pages.page_range] == [
        expected[i : i + 2] for i in range(0, len(expected), 2)
    ]
    near = selectors.live_jobs(personas.member, {"distance": "street"})
    assert [p.pk for p in near[:10]] == own + street
    assert near.count() == len(own + street)
