"""Bodies, personas and helpers of the later apps' routes for `test_generated_client.py`:
points, ratings, projects pairs, surveys and activities.

Each entry has the test module's `Args` shape `(models, world, tree) -> kwargs`; a helper
builds the objects one call needs inside that call's rolled-back transaction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from fuzz.conftest import FuzzWorld

TODAY = timezone.localdate()  # the platform's day (Asia/Shanghai), not the host's
BODIES: dict[str, Callable[[Any, FuzzWorld, Any], dict[str, Any]]] = {}
# Bodies of the points, ratings and projects pairs routes; ratings' fresh schemes are of
# a year the world has none of.
RATING_YEAR = 2027
BODIES.update(
    {
        "points_me": lambda m, w, t: _no_arguments(_card_token(t)),  # a card to read
        "points_consent": lambda m, w, t: {"body": m.ConsentIn(agree=True)},
        # a second page: the cursor is the newest of two entries
        "points_my_entries": lambda m, w, t: {"limit": 1, "before": _two_entries(t)},
        "points_my_uses": lambda m, w, t: _no_arguments(_card_token(t)),
        "points_verify": lambda m, w, t: {"token": _shop_and_card(t)},
        "points_redeem": lambda m, w, t: {
            "body": m.RedeemIn(token=_shop_and_card(t), request_key="genclient-1", amount="20")
        },
        "points_rules_create": lambda m, w, t: {
            "body": m.RuleIn(street_id=t.street_a.pk, cause="lesson", name="微党课", points=2)
        },
        "points_certify": lambda m, w, t: {
            "body": m.CertifyIn(
                community_id=t.community_a1.pk, start=TODAY - dt.timedelta(days=30), end=TODAY
            )
        },
        "points_adjust": lambda m, w, t: {
            "body": m.AdjustIn(member_id=_enrolled(t), points=5, reason="补录活动积分")
        },
        "ratings_schemes_create": lambda m, w, t: {
            "body": m.SchemeIn(
                year=RATING_YEAR + 1,
                name="2028年度分类定级",
                groups=[
                    m.GroupIn(
                        name="组织建设",
                        weight=100,
                        criteria=[m.CriterionIn(name="组织生活", max_score=10)],
                    )
                ],
                publish=True,
            )
        },
        "ratings_schemes_publish": lambda m, w, t: {"scheme_id": _scheme(t, publish=False)},
        "ratings_round_open": lambda m, w, t: {
            "scheme_id": _scheme(t, publish=True),
            "body": m.RoundIn(scope=m.RoundScope.ALL),
        },
        "ratings_self_assess": lambda m, w, t: {
            "rating_id": _rating(t, "pending"),
            "body": m.SelfAssessmentIn(
                scores=[
                    m.SelfScoreIn(criterion_id=c, score=10, evidence_text="会议记录")
                    for c in _manual_criteria(t)
                ],
                summary="全年组织生活正常",
                submit=True,
            ),
        },
        "ratings_review": lambda m, w, t: {
            "rating_id": _rating(t, "submitted"),
            "body": m.ReviewIn(comment="同意"),
        },
        "ratings_confirm": lambda m, w, t: {
            "rating_id": _rating(t, "reviewed"),
            "body": m.ConfirmIn(decision=m.ConfirmInDecision.CONFIRM),
        },
        "ratings_appeal": lambda m, w, t: {
            "rating_id": _rating(t, "confirmed"),
            "body": m.AppealIn(reason="覆盖单位数统计有误，请复核"),
        },
        "projects_pairs_create": lambda m, w, t: {
            "body": m.PairIn(
                registration=_pair_registration(w),
                household_name="王阿婆",
                consent=True,
                started_on=dt.date(2025, 6, 1),
            )
        },
        "projects_pairs_visit": lambda m, w, t: {
            "body": m.PairVisitIn(visited_on=TODAY, note="上门送米送油", value="100")
        },
        "projects_pairs_end": lambda m, w, t: {"body": m.PairEndIn(ended_on=TODAY)},
    }
)
# Bodies of the surveys routes: the world's survey is open and unanswered; a call that
# needs a draft or an answer builds its own (the street staff's, sent to the units of
# 虹桥街道; the unit admin answers for 东银科技, not for the world's `unit_id`).
BODIES.update(
    {
        "surveys_create": lambda m, w, t: {
            "body": m.SurveyIn(
                title="园区企业需求调查问卷",
                region_id=t.street_a.pk,
                audience="units",
                definition=m.SurveyInDefinition.from_dict(_survey_definition()),
            )
        },
        "surveys_define": lambda m, w, t: {
            "survey_id": _survey(t),
            "body": m.DefinitionIn(
                definition=m.DefinitionInDefinition.from_dict(_survey_definition())
            ),
        },
        "surveys_open": lambda m, w, t: {"survey_id": _survey(t)},
        "surveys_close": lambda m, w, t: {"survey_id": _survey(t, answered=True)},
        "surveys_results": lambda m, w, t: {"survey_id": _survey(t, answered=True)},
        "surveys_crosstab": lambda m, w, t: {
            "survey_id": _survey(t, answered=True),
            "row": "needs",
            "col": "industry",
        },
        "surveys_needs_raise": lambda m, w, t: {
            "survey_id": _survey(t, answered=True),
            "body": m.NeedsRaiseIn(question="needs", option="legal", contact_phone="13800138000"),
        },
        "surveys_proposals": lambda m, w, t: {"survey_id": _survey(t, answered=True)},
        "surveys_proposal_file": lambda m, w, t: {
            "survey_id": _survey(t, answered=True),
            "body": m.ProposalFileIn(
                question="needs",
                option="legal",
                body_id=w.in_scope["body_id"],
                unit_id=t.unit_building.pk,
                title="关于为园区企业提供法律服务的建议",
                content="东银科技希望提供法律服务",
                category=m.ProposalCategory.SERVICE,
            ),
        },
        "surveys_answer_form": lambda m, w, t: {"unit_id": t.unit_building.pk},
        "surveys_answer_save": lambda m, w, t: {
            "body": m.ResponseIn(
                answers=m.ResponseInAnswers.from_dict(_survey_answers()), submit=True
            ),
        },
    }
)
# Bodies of the activities routes: 陈一 (the member persona) volunteers in 虹储居民区, whose
# Party organization holds the events, venue, roster and course the street staff manages.
BODIES.update(
    {
        "activities_events_list": lambda m, w, t: _no_arguments(_event(t)),
        "activities_events_create": lambda m, w, t: {
            "body": m.EventIn(
                kind=m.EventKind.SERVICE,
                title="巡河护河志愿服务",
                starts_at=_soon(days=2),
                ends_at=_soon(days=2, hours=2),
                organizer_org_id=t.org_a1.pk,
                capacity=5,
            )
        },
        "activities_events_get": lambda m, w, t: {"event_id": _event(t).pk},
        "activities_event_report": lambda m, w, t: {
            "event_id": _event(t, held=True).pk,
            "body": _multipart(m, "ActivitiesEventReport")(
                summary="清理河道 2 公里",
                photos=[m.File(payload=io.BytesIO(PNG), file_name="现场.png")],
            ),
        },
        "activities_signup": lambda m, w, t: _volunteering(t) | {"event_id": _event(t).pk},
        "activities_signup_cancel": lambda m, w, t: {"event_id": _signed_up(t).pk},
        "activities_checkin": lambda m, w, t: {
            "body": m.CheckinIn(token=_signed_up(t, soon=True).checkin_token)
        },
        "activities_scan": lambda m, w, t: {
            "event_id": _signed_up(t, soon=True).pk,
            "body": m.ScanIn(qr_token=_volunteer(t).qr_token),
        },
        "activities_join": lambda m, w, t: {"body": m.JoinIn(name="陈一", consent=True)},
        "activities_withdraw": lambda m, w, t: _volunteering(t),
        "activities_my_hours": lambda m, w, t: _no_arguments(_logged_hours(t)),
        "activities_hours_log": lambda m, w, t: (
            _volunteering(t) | {"body": m.HoursLogIn(on=TODAY, hours="2", description="巡河")}
        ),
        "activities_hours_pending": lambda m, w, t: _no_arguments(_logged_hours(t)),
        "activities_hours_verify": lambda m, w, t: {
            "record_id": _logged_hours(t),
            "body": m.HoursVerifyIn(action=m.HoursVerifyInAction.VERIFY),
        },
        "activities_venues_list": lambda m, w, t: _no_arguments(_venue(t)),
        "activities_venue_create": lambda m, w, t: {
            "body": m.VenueIn(
                name="党群服务站",
                region_id=t.community_a1.pk,
                owner_org_id=t.org_a1.pk,
                capacity=30,
                opens_at="08:00",
                closes_at="21:00",
            )
        },
        "activities_venue_update": lambda m, w, t: {
            "venue_id": _venue(t).pk,
            "body": m.VenueUpdateIn(
                name="党群活动室（二楼）", capacity=25, opens_at="08:30", closes_at="20:00"
            ),
        },
        "activities_course_create": lambda m, w, t: {
            "body": m.CourseIn(title="社区党校春季班", organizer_org_id=t.org_a1.pk)
        },
        "activities_course_update": lambda m, w, t: {
            "course_id": _lesson_course(t),
            "body": m.CourseUpdateIn(title="社区党校春季班", description="四讲"),
        },
        "activities_booking_request": lambda m, w, t: {
            "venue_id": _venue(t).pk,
            "body": m.BookingIn(
                starts_at=_soon(days=3, hours=1),
                ends_at=_soon(days=3, hours=2),
                purpose="党员学习",
            ),
        },
        "activities_booking_decide": lambda m, w, t: {
            "booking_id": _booking(t),
            "body": m.BookingDecideIn(action=m.BookingDecideInAction.APPROVE),
        },
        "activities_roster_slots": lambda m, w, t: (
            _volunteering(t) | {"roster_id": _slot(t).roster_id}
        ),
        "activities_slot_take": lambda m, w, t: _volunteering(t) | {"slot_id": _slot(t).pk},
        "activities_shift_release": lambda m, w, t: {"shift_id": _shift(t)},
        "activities_lesson_complete": lambda m, w, t: _volunteering(t) | {"lesson_id": _lesson(t)},
    }
)
# username of the persona each operation is for (the street staff of 虹桥街道 otherwise)
PERSONA_OF: dict[str, str] = {
    **dict.fromkeys(
        ("points_me", "points_consent", "points_my_entries", "points_my_uses"), "member"
    ),
    **dict.fromkeys(("points_verify", "points_redeem"), "merchant"),
    **dict.fromkeys(
        (
            "ratings_schemes_create",
            "ratings_schemes_publish",
            "ratings_round_open",
            "ratings_confirm",
        ),
        "district_admin",
    ),
    **dict.fromkeys(
        ("ratings_self_assess", "ratings_appeal", "surveys_inbox", "surveys_answer_form"),
        "unit_admin",
    ),
    "surveys_answer_save": "unit_admin",
    **dict.fromkeys(
        (
            "activities_events_list",
            "activities_signup",
            "activities_signup_cancel",
            "activities_checkin",
            "activities_join",
            "activities_withdraw",
            "activities_my_hours",
            "activities_hours_log",
            "activities_booking_request",
            "activities_roster_slots",
            "activities_slot_take",
            "activities_shift_release",
            "activities_lesson_complete",
        ),
        "member",
    ),
}


def _enrolled(tree: Any) -> int:
    from lianjian.points import services

    services.scheme_save(tree.street_a, actor=None, gold_threshold=100, silver_threshold=50)
    services.enrol(tree.member_a1, actor=None)
    return int(tree.member_a1.pk)


def _two_entries(tree: Any) -> int:
    """陈一 enrolled with two adjustments; the newer one's id (the cursor of page two)."""
    from lianjian.points import services

    _enrolled(tree)
    services.adjust(tree.member_a1, points=3, reason="补录", actor=None)
    return int(services.adjust(tree.member_a1, points=2, reason="补录", actor=None).pk)


def _card_token(tree: Any) -> str:
    """陈一 (the member persona) enrolled, with a silver card certified today."""
    from lianjian.points.tests.factories import certified_card

    _enrolled(tree)
    return str(certified_card(tree.member_a1, 60, tree.community_a1).token)


def _shop_and_card(tree: Any) -> str:
    """A shop kept by the merchant persona, bound to 陈一's organization; 陈一's card token."""
    from lianjian.accounts.models import User
    from lianjian.points.tests.factories import shop

    shop(tree.community_a1, tree.org_a1, keeper=User.objects.get(username="merchant"))
    return _card_token(tree)


def _scheme(tree: Any, *, publish: bool) -> int:
    """A scheme of the district without a round (the world's 2026 one has its round)."""
    from lianjian.ratings.tests.factories import make_scheme

    return int(make_scheme(tree.district, RATING_YEAR, publish=publish).pk)


def _rating(tree: Any, status: str) -> int:
    """A fresh rating of the building branch (the unit admin's) moved on to `status`."""
    from lianjian.ratings import flow, services
    from lianjian.ratings.models import Rating, Round, Scheme

    scheme = Scheme.objects.get(pk=_scheme(tree, publish=True))
    rnd = services.round_open(scheme, orgs=[tree.org_building], scope=Round.Scope.ALL)
    rating = Rating.objects.get(round=rnd)
    steps = ["submitted", "reviewed", "confirmed"]
    for step in steps[: steps.index(status) + 1] if status in steps else []:
        if step == "submitted":
            scores = {c: {"score": 10, "evidence_text": "记录"} for c in _manual_criteria(tree)}
            flow.self_assessment_save(rating, scores=scores)
            rating = flow.rating_submit(rating)
        elif step == "reviewed":
            rating = flow.rating_review(rating, comment="同意")
        else:
            rating = flow.rating_confirm(rating)
    return int(rating.pk)


def _manual_criteria(tree: Any) -> list[int]:
    """The hand-scored criteria of the district's `RATING_YEAR` scheme."""
    from lianjian.ratings.models import Criterion, Method

    criteria = Criterion.objects.filter(
        scheme__district=tree.district, scheme__year=RATING_YEAR, method=Method.MANUAL
    )
    return list(criteria.order_by("pk").values_list("pk", flat=True))


def _no_arguments(_built: Any) -> dict[str, Any]:
    """For a route that takes nothing but reads what its helper built."""
    return {}


def _pair_registration(world: FuzzWorld) -> int:
    from lianjian.projects.models import Pair

    return int(Pair.objects.get(pk=world.in_scope["pair_id"]).registration_id)


def _survey_definition() -> dict[str, Any]:
    from lianjian.surveys.tests.factories import DEFINITION

    return dict(DEFINITION)


def _survey_answers() -> dict[str, Any]:
    from lianjian.surveys.tests.factories import GOOD

    return dict(GOOD)


def _survey(tree: Any, *, answered: bool = False) -> int:
    """The street staff's survey to the units of 虹桥街道: a draft, or open with the unit
    admin's answer for 东银科技 submitted."""
    from lianjian.accounts.models import User
    from lianjian.surveys import services
    from lianjian.surveys.tests.factories import open_unit_survey, unit_survey

    staff = User.objects.get(username="street_staff")
    if not answered:
        return int(unit_survey(tree, staff).pk)
    survey = open_unit_survey(tree, staff)
    admin = User.objects.get(username="unit_admin")
    who = services.respondent_for(survey, admin)
    services.response_save(
        survey,
        respondent_key=who["key"],
        unit=who["unit"],
        user=admin,
        respondent_name=who["name"],
        answers=_survey_answers(),
        submit=True,
    )
    return int(survey.pk)


def _soon(*, days: int = 0, hours: int = 0, minutes: int = 0) -> dt.datetime:
    """A local time on the hour, `days` and `hours` from now (or `minutes` from now)."""
    from django.utils import timezone

    now = timezone.localtime()
    if minutes:
        return now + dt.timedelta(minutes=minutes)
    day = timezone.make_aware(dt.datetime.combine(now.date(), dt.time(9)))
    return day + dt.timedelta(days=days, hours=hours)


# the smallest upload `core.attachments` takes for a PNG: its signature, then bytes
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _multipart(models: Any, operation: str) -> Any:
    """The generated model of an operation's inline multipart body (`<Operation>…Params`)."""
    names = [n for n in vars(models) if n.startswith(operation) and n.endswith("Params")]
    assert len(names) == 1, f"multipart body model of {operation}: {names}"
    return getattr(models, names[0])


def _volunteer(tree: Any) -> Any:
    """陈一's volunteer profile (consent given)."""
    from lianjian.accounts.models import User
    from lianjian.activities import access, services

    user = User.objects.get(username="member")
    found = access.volunteer_of(user)
    if found is not None:
        return found
    return services.volunteer_join(
        user=user, region=tree.community_a1, name="陈一", member=tree.member_a1, consent=True
    )


def _volunteering(tree: Any) -> dict[str, Any]:
    """No arguments: the call is 陈一's as a volunteer."""
    _volunteer(tree)
    return {}


def _event(tree: Any, *, soon: bool = False, held: bool = False) -> Any:
    """An event of 虹储居民区党总支: in two days, starting in ten minutes (check-in open), or
    started three hours ago (held: its summary and photos may be written)."""
    from lianjian.activities.tests.factories import make_event

    start = dt.timedelta(minutes=10) if soon else dt.timedelta(days=2)
    if held:
        start = -dt.timedelta(hours=3)
    return make_event(tree.community_a1, organizer_org=tree.org_a1, capacity=5, starts_in=start)


def _signed_up(tree: Any, *, soon: bool = False) -> Any:
    from lianjian.activities import services

    event = _event(tree, soon=soon)
    services.signup_create(event, _volunteer(tree))
    return event


def _logged_hours(tree: Any) -> int:
    from lianjian.activities import services

    return int(services.hours_log(_volunteer(tree), on=TODAY, hours=2, description="巡河").pk)


def _venue(tree: Any) -> Any:
    from lianjian.activities import services

    return services.venue_create(
        actor=None, name="党群活动室", region=tree.community_a1, owner_org=tree.org_a1,
        capacity=20, opens_at=dt.time(8), closes_at=dt.time(21),
    )  # fmt: skip


def _booking(tree: Any) -> int:
    from lianjian.activities import services

    start = _soon(days=3, hours=1)
    booking = services.booking_request(
        _venue(tree), actor=None, starts_at=start, ends_at=start + dt.timedelta(hours=1),
        purpose="学习",
    )  # fmt: skip
    return int(booking.pk)


def _slot(tree: Any) -> Any:
    from lianjian.activities import services

    roster = services.roster_create(
        actor=None, name="路口值守", region=tree.community_a1, posts=["1号岗"],
        days=[TODAY + dt.timedelta(days=3)], times=[(dt.time(7), dt.time(9))], capacity=2,
    )  # fmt: skip
    return roster.slots.get()


def _shift(tree: Any) -> int:
    from lianjian.activities import services

    return int(services.shift_take(_slot(tree), _volunteer(tree)).pk)


def _lesson_course(tree: Any) -> int:
    from lianjian.activities import services

    return int(services.course_create(actor=None, title="党课", organizer_org=tree.org_a1).pk)


def _lesson(tree: Any) -> int:
    from lianjian.activities import services

    course = services.course_create(actor=None, title="党课", organizer_org=tree.org_a1)
    return int(services.e_lesson_add(course, actor=None, title="5分钟电子党课", body="内容").pk)
