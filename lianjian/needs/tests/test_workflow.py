"""The work-order state machine: every transition, every refusal, history and notifications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.core.models import AuditEvent, Notification
from lianjian.needs import services as S
from lianjian.needs.models import (
    Need,
    NeedEvent,
    Status,
    TriageCorrection,
)
from lianjian.needs.services import ALLOWED_TRANSITIONS, NeedConflict, NeedError

TZ = timezone.get_current_timezone()


def snapshot(need: Need) -> tuple[Any, ...]:
    need.refresh_from_db()
    return (need.status, need.version, need.department_id, need.events.count())


def dispatched(world: Any, personas: Any, submit: Any, **kw: Any) -> Need:
    need = submit(**kw)
    return S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )


def test_table_covers_every_status_and_terminals_are_final() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(Status.values)
    for terminal in (Status.CLOSED, Status.MERGED, Status.REJECTED):
        assert ALLOWED_TRANSITIONS[terminal] == frozenset()
    for target, _label, _who in S.ACTIONS.values():
        assert any(target in allowed for allowed in ALLOWED_TRANSITIONS.values())


def test_submit_records_event_audit_and_notifies_dispatchers(
    world: Any, personas: Any, submit: Any
) -> None:
    need = submit()
    assert need.status == Status.RECEIVED
    assert len(need.tracking_code) == 10
    assert need.street_id == need.region.street_ref_id
    assert need.community_id == need.region.pk
    ev = need.events.get()
    assert (ev.action, ev.to_status, ev.community_id) == ("submit", "received", need.community_id)
    assert AuditEvent.objects.filter(action="need.submit", object_id=str(need.pk)).exists()
    assert Notification.objects.filter(
        recipient=personas.street_staff, subject="新需求待派单"
    ).exists()
    # the phone is stored encrypted, never in plain text
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("select contact_phone from needs_need where id=%s", [need.pk])
        assert "13812345678" not in cur.fetchone()[0]


@pytest.mark.parametrize(
    "override, message",
    [
        ({"text": "   "}, "请填写需求内容"),
        ({"channel": "fax"}, "来源渠道无效"),
        ({"contact_phone": "12345"}, "联系电话"),
        ({"contact_phone": ""}, "请留下联系电话"),
        ({"submitter_kind": "alien"}, "提出人类型无效"),
        ({"text": "长" * 2001}, "不能超过"),
    ],
)
def test_bad_submission_writes_nothing(
    world: Any, submit: Any, override: dict[str, Any], message: str
) -> None:
    with pytest.raises(NeedError) as exc:
        submit(**override)
    assert message in exc.value.message
    assert Need.objects.count() == 0 and NeedEvent.objects.count() == 0


def test_district_level_region_refused(world: Any, tree: Any, submit: Any) -> None:
    with pytest.raises(NeedError, match="街道"):
        submit(region=tree.district)
    assert Need.objects.count() == 0


def test_anonymous_needs_no_phone(world: Any, submit: Any) -> None:
    need = submit(submitter_kind="anonymous", contact_phone="", submitter_name="")
    assert need.contact_phone == ""


def test_triage_proposal_is_stored_and_correction_recorded(
    world: Any, personas: Any, submit: Any, monkeypatch: Any
) -> None:
    @dataclass
    class Proposal:
        category_id: int | None
        department_id: int | None
        confidence: float
        source: str

    calls: list[tuple[str, int | None]] = []

    def fake_propose(text: str, street_id: int | None) -> Proposal:
        calls.append((text, street_id))
        return Proposal(world.sports.pk, None, 0.42, "keywords")

    import sys
    import types

    monkeypatch.setitem(
        sys.modules, "lianjian.needs.triage", types.SimpleNamespace(propose=fake_propose)
    )
    need = submit()
    assert calls == [(need.text, need.street_id)]
    assert need.proposed_category_id == world.sports.pk
    # no department proposed: the routing rule of the category decides
    assert need.proposed_department_id == world.sports.department_id
    assert need.proposal_confidence == pytest.approx(0.42)
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    label = TriageCorrection.objects.get(need=need)
    assert label.corrected is True
    assert (label.category_id, label.department_id) == (world.charity.pk, world.civil.pk)
    assert label.proposed_category_id == world.sports.pk


def test_triage_from_another_street_is_ignored(
    world: Any, submit: Any, monkeypatch: Any, tree: Any
) -> None:
    import sys
    import types

    from lianjian.needs.models import Category

    foreign = Category.objects.filter(street=tree.street_b).first()
    assert foreign is not None
    monkeypatch.setitem(
        sys.modules,
        "lianjian.needs.triage",
        types.SimpleNamespace(
            propose=lambda text, sid: types.SimpleNamespace(
                category_id=foreign.pk,
                department_id=world.other_street_dept.pk,
                confidence=0.9,
                source="model",
            )
        ),
    )
    need = submit()
    assert need.proposed_category_id is None
    # fallback department of street a
    assert need.proposed_department_id == world.demo.departments["service"].pk


def test_broken_triage_never_blocks_intake(world: Any, submit: Any, monkeypatch: Any) -> None:
    import sys
    import types

    def boom(text: str, sid: int | None) -> Any:
        raise RuntimeError("model missing")

    monkeypatch.setitem(sys.modules, "lianjian.needs.triage", types.SimpleNamespace(propose=boom))
    need = submit()
    assert need.status == Status.RECEIVED
    # the street's fallback is proposed; only a dispatch assigns (issue 11 finding 11)
    assert need.proposed_department_id == world.demo.departments["service"].pk
    assert need.department_id is None


def test_dispatch_sets_deadline_in_working_days(world: Any, personas: Any, submit: Any) -> None:
    # Friday 2025-03-07 15:00, 慈善关爱 = 5 working days → Friday 2025-03-14 end of day
    with time_machine.travel(dt.datetime(2025, 3, 7, 15, 0, tzinfo=TZ)):
        need = dispatched(world, personas, submit)
    local = timezone.localtime(need.deadline)
    assert local.date() == dt.date(2025, 3, 14) and local.hour == 23
    assert need.status == Status.DISPATCHED
    ev = need.events.latest("id")
    assert (ev.action, ev.from_status, ev.to_status, ev.actor_id) == (
        "dispatch",
        "received",
        "dispatched",
        personas.street_staff.pk,
    )
    assert ev.department_id == world.civil.pk and ev.deadline == need.deadline
    assert Notification.objects.filter(
        recipient=personas.dept_handler, subject="新派单需求"
    ).exists()
    assert TriageCorrection.objects.filter(need=need).exists()


def test_full_happy_path(world: Any, personas: Any, submit: Any, client: Any) -> None:
    need = dispatched(world, personas, submit)
    S.need_accept(need.pk, actor=personas.dept_handler)
    need = S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已联系社工上门。")
    assert need.status == Status.REPLIED
    reply = need.events.get(action="reply")
    assert reply.on_time is True and reply.reply_seconds is not None
    need = S.need_rate_by_code(need.tracking_code.lower(), rating="satisfied", comment="很及时")
    assert need.status == Status.RATED and need.rating == "satisfied"
    need = S.need_close(need.pk, actor=personas.street_staff)
    assert need.status == Status.CLOSED
    assert list(need.events.values_list("action", flat=True)) == [
        "submit",
        "dispatch",
        "accept",
        "reply",
        "rate",
        "close",
    ]
    assert need.version == 6


def test_unsatisfied_reopens_once(world: Any, personas: Any, submit: Any) -> None:
    need = dispatched(world, personas, submit)
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已处理")
    need = S.need_rate_by_code(need.tracking_code, rating="unsatisfied", comment="没解决")
    assert need.status == Status.REOPENED and need.reopen_count == 1
    assert need.deadline is not None
    assert Notification.objects.filter(
        recipient=personas.dept_handler, subject="需求被重新打开"
    ).exists()
    S.need_accept(need.pk, actor=personas.dept_handler)
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="再次上门处理")
    need = S.need_rate_by_code(need.tracking_code, rating="unsatisfied")
    # second time: stays rated, no second reopen
    assert need.status == Status.RATED and need.reopen_count == 1
    assert need.events.filter(action="reopen").count() == 1


def test_return_goes_back_to_dispatcher_with_reason(world: Any, personas: Any, submit: Any) -> None:
    need = dispatched(world, personas, submit)
    with pytest.raises(NeedError, match="理由"):
        S.need_return(need.pk, actor=personas.dept_handler, reason=" ")
    need = S.need_return(need.pk, actor=personas.dept_handler, reason="属于文体中心职责")
    assert need.status == Status.RETURNED and need.deadline is None
    assert need.events.latest("id").note == "属于文体中心职责"
    assert Notification.objects.filter(
        recipient=personas.street_staff, subject="需求被退回"
    ).exists()
    need = S.need_dispatch(
        need.pk,
        actor=personas.street_staff,
        category=world.sports,
        department=world.sports.department,
    )
    assert need.status == Status.DISPATCHED


def test_transfer_keeps_deadline(world: Any, personas: Any, submit: Any) -> None:
    need = dispatched(world, personas, submit)
    deadline = need.deadline
    with pytest.raises(NeedError, match="相同"):
        S.need_transfer(need.pk, actor=personas.dept_handler, department=world.civil)
    with pytest.raises(NeedError, match="不属于"):
        S.need_transfer(need.pk, actor=personas.dept_handler, department=world.other_street_dept)
    target = world.demo.departments["culture"]
    need = S.need_transfer(need.pk, actor=personas.dept_handler, department=target)
    assert need.status == Status.TRANSFERRED and need.department_id == target.pk
    assert need.deadline == deadline
    # the old department's handler no longer acts on it
    with pytest.raises(NeedError, match="权限"):
        S.need_accept(need.pk, actor=personas.dept_handler)


def test_reject_and_merge(world: Any, personas: Any, submit: Any) -> None:
    main = submit()
    dup = submit(text="独居老人生活困难需要帮扶")
    with pytest.raises(NeedError, match="自身"):
        S.need_merge(main.pk, into=main, actor=personas.street_staff)
    dup = S.need_merge(dup.pk, into=main, actor=personas.street_staff)
    assert dup.status == Status.MERGED and dup.merged_into_id == main.pk
    with pytest.raises(NeedError, match="主件"):
        S.need_merge(main.pk, into=dup, actor=personas.street_staff)
    other = submit(text="广告")
    with pytest.raises(NeedError, match="理由"):
        S.need_reject(other.pk, actor=personas.street_staff, reason="")
    other = S.need_reject(other.pk, actor=personas.street_staff, reason="与本街道无关的广告")
    assert other.status == Status.REJECTED


ILLEGAL = [
    ("accept", Status.RECEIVED),
    ("reply", Status.RECEIVED),
    ("close", Status.RECEIVED),
    ("dispatch", Status.DISPATCHED),
    ("reject", Status.DISPATCHED),
    ("merge", Status.ACCEPTED),
    ("accept", Status.ACCEPTED),
    ("close", Status.ACCEPTED),
]


@pytest.mark.parametrize("action, state", ILLEGAL)
def test_illegal_moves_refused_and_nothing_changes(
    world: Any, personas: Any, submit: Any, action: str, state: str
) -> None:
    need = submit()
    if state != Status.RECEIVED:
        need = dispatched(world, personas, submit)
    if state == Status.ACCEPTED:
        S.need_accept(need.pk, actor=personas.dept_handler)
    before = snapshot(need)
    staff, handler = personas.street_staff, personas.dept_handler
    calls = {
        "accept": lambda: S.need_accept(need.pk, actor=handler),
        "reply": lambda: S.need_reply(need.pk, actor=handler, reply_text="x"),
        "close": lambda: S.need_close(need.pk, actor=staff),
        "dispatch": lambda: S.need_dispatch(
            need.pk, actor=staff, category=world.charity, department=world.civil
        ),
        "reject": lambda: S.need_reject(need.pk, actor=staff, reason="x"),
        "merge": lambda: S.need_merge(need.pk, into=submit(), actor=staff),
    }
    with pytest.raises(NeedError, match="不能"):
        calls[action]()
    assert snapshot(need) == before


def test_rating_only_when_replied(world: Any, personas: Any, submit: Any) -> None:
    need = dispatched(world, personas, submit)
    with pytest.raises(NeedError, match="不能评价"):
        S.need_rate_by_code(need.tracking_code, rating="satisfied")
    with pytest.raises(NeedError, match="查询码无效"):
        S.need_rate_by_code("NOPE", rating="satisfied")
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="好")
    with pytest.raises(NeedError, match="满意度"):
        S.need_rate_by_code(need.tracking_code, rating="great")
    assert Need.objects.get(pk=need.pk).status == Status.REPLIED


@pytest.mark.parametrize(
    "who, action",
    [
        ("dept_handler", "dispatch"),
        ("secretary_a1", "dispatch"),
        ("street_staff", "accept"),
        ("secretary_a2", "close"),
        ("outsider", "dispatch"),
    ],
)
def test_wrong_actor_refused(world: Any, personas: Any, submit: Any, who: str, action: str) -> None:
    need = submit()
    if action != "dispatch":
        need = dispatched(world, personas, submit)
    if action == "close":
        S.need_reply(need.pk, actor=personas.dept_handler, reply_text="好")
    before = snapshot(need)
    actor = getattr(personas, who)
    with pytest.raises(NeedError, match="权限"):
        if action == "dispatch":
            S.need_dispatch(need.pk, actor=actor, category=world.charity, department=world.civil)
        elif action == "accept":
            S.need_accept(need.pk, actor=actor)
        else:
            S.need_close(need.pk, actor=actor)
    assert snapshot(need) == before


def test_stale_version_gets_conflict_message(world: Any, personas: Any, submit: Any) -> None:
    need = submit()
    version = need.version
    S.need_dispatch(
        need.pk,
        actor=personas.street_staff,
        category=world.charity,
        department=world.civil,
        expected_version=version,
    )
    with pytest.raises(NeedConflict) as exc:
        S.need_dispatch(
            need.pk,
            actor=personas.district_admin,
            category=world.sports,
            department=world.sports.department,
            expected_version=version,
        )
    assert exc.value.message == "该需求已被他人处理，请刷新后重试"
    need.refresh_from_db()
    assert need.department_id == world.civil.pk and need.events.count() == 2


def test_callback_rates_replied_need(world: Any, personas: Any, submit: Any) -> None:
    need = dispatched(world, personas, submit)
    with pytest.raises(NeedError, match="尚未答复"):
        S.need_callback(need.pk, actor=personas.street_staff, rating="satisfied")
    S.need_reply(need.pk, actor=personas.dept_handler, reply_text="好")
    with pytest.raises(NeedError, match="权限"):
        S.need_callback(need.pk, actor=personas.secretary_a2, rating="satisfied")
    cb = S.need_callback(need.pk, actor=personas.secretary_a1, rating="basic", note="电话确认")
    need.refresh_from_db()
    assert cb.rating == "basic" and need.status == Status.RATED and need.rating == "basic"


def test_reply_can_match_service_item(world: Any, personas: Any, submit: Any) -> None:
    need = dispatched(world, personas, submit)
    item = world.demo.items[3]  # 法律便利
    need = S.need_reply(
        need.pk, actor=personas.dept_handler, reply_text="请联系法律服务", service_item=item
    )
    assert need.service_item_id == item.pk


def test_tick_reminds_then_escalates(world: Any, personas: Any, submit: Any) -> None:
    with time_machine.travel(dt.datetime(2025, 3, 7, 10, 0, tzinfo=TZ)):  # Friday
        need = dispatched(world, personas, submit)  # due Friday 2025-03-14
    with time_machine.travel(dt.datetime(2025, 3, 12, 9, 0, tzinfo=TZ)):  # Wednesday
        assert S.needs_tick() == {"reminded": 0, "escalated": 0, "closed": 0}
    with time_machine.travel(dt.datetime(2025, 3, 13, 9, 0, tzinfo=TZ)):  # Thursday
        assert S.needs_tick() == {"reminded": 1, "escalated": 0, "closed": 0}
        assert S.needs_tick() == {"reminded": 0, "escalated": 0, "closed": 0}  # idempotent
    assert (
        Notification.objects.filter(recipient=personas.dept_handler, subject="需求即将到期").count()
        == 1
    )
    with time_machine.travel(dt.datetime(2025, 3, 14, 23, 0, tzinfo=TZ)):
        assert S.needs_tick()["escalated"] == 0
    with time_machine.travel(dt.datetime(2025, 3, 15, 0, 30, tzinfo=TZ)):  # Saturday, overdue
        assert S.needs_tick() == {"reminded": 0, "escalated": 1, "closed": 0}
        assert S.needs_tick()["escalated"] == 0
    assert (
        Notification.objects.filter(
            recipient=personas.street_staff, subject="需求逾期未答复（升级）"
        ).count()
        == 1
    )
    assert list(
        need.events.filter(action__in=["remind", "escalate"]).values_list("action", flat=True)
    ) == [
        "remind",
        "escalate",
    ]


def test_tick_reminder_skips_holiday(world: Any, personas: Any, submit: Any) -> None:
    # Friday 03-14 is a holiday: due Monday 03-17, and the working day before is Thursday 03-13
    S.calendar_day_set(dt.date(2025, 3, 14), is_workday=False, note="假日")
    with time_machine.travel(dt.datetime(2025, 3, 7, 10, 0, tzinfo=TZ)):  # Friday
        need = dispatched(world, personas, submit)
    assert timezone.localtime(need.deadline).date() == dt.date(2025, 3, 17)
    with time_machine.travel(dt.datetime(2025, 3, 12, 9, 0, tzinfo=TZ)):  # Wednesday
        assert S.needs_tick()["reminded"] == 0
    with time_machine.travel(dt.datetime(2025, 3, 13, 9, 0, tzinfo=TZ)):  # Thursday = day before
        assert S.needs_tick()["reminded"] == 1


def test_escalate_after_configured_workdays(
    world: Any, personas: Any, submit: Any, tree: Any
) -> None:
    S.street_settings_save(
        tree.street_a,
        fallback_department=world.demo.departments["service"],
        escalate_after_workdays=2,
    )
    with time_machine.travel(dt.datetime(2025, 3, 7, 10, 0, tzinfo=TZ)):
        dispatched(world, personas, submit)  # due Friday 03-14
    with time_machine.travel(dt.datetime(2025, 3, 17, 10, 0, tzinfo=TZ)):  # Monday, 1 day late
        assert S.needs_tick()["escalated"] == 0
    with time_machine.travel(dt.datetime(2025, 3, 18, 10, 0, tzinfo=TZ)):  # 2 working days late
        assert S.needs_tick()["escalated"] == 1
