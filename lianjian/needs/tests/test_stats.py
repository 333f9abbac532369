"""Statistics recomputed from the event history as of any date, scoped per persona."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.utils import timezone

from lianjian.needs import services as S
from lianjian.needs.stats import need_stats, need_totals

TZ = timezone.get_current_timezone()


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, 0, tzinfo=TZ)


def row(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    return next(r for r in rows if r["label"] == label)


def test_history_as_of_dates(world: Any, personas: Any, submit: Any) -> None:
    with time_machine.travel(at(3)):  # Monday
        late = submit()
        S.need_dispatch(
            late.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )  # due Monday 03-10
        quick = submit(text="想了解社区体检安排", channel="window")
        S.need_dispatch(
            quick.pk, actor=personas.street_staff, category=world.charity, department=world.civil
        )
    with time_machine.travel(at(4)):
        S.need_reply(quick.pk, actor=personas.dept_handler, reply_text="周五体检")
        S.need_rate_by_code(quick.tracking_code, rating="unsatisfied")  # reopens once
    with time_machine.travel(at(12)):  # two days late
        S.need_reply(late.pk, actor=personas.dept_handler, reply_text="已处理")
        S.need_rate_by_code(late.tracking_code, rating="satisfied")
    staff = personas.street_staff

    def civil(as_of: dt.datetime) -> dict[str, Any]:
        return row(need_stats(staff, dimension="department", start=at(1), as_of=as_of), "民政办")

    before = civil(at(7))
    assert (before["received"], before["replied"], before["overdue"]) == (2, 1, 0)
    assert before["reopened"] == 1 and before["satisfaction_rate"] == 0.0
    during = civil(at(11))  # after the 03-10 deadline, before the late reply
    assert during["overdue"] == 1 and during["on_time_rate"] == 100.0
    after = civil(at(13))
    # the late one is answered; the reopened one (due 03-11) now runs late
    assert after["overdue"] == 1 and after["replied"] == 2 and after["on_time"] == 1
    assert after["on_time_rate"] == 50.0 and after["satisfaction_rate"] == 50.0
    assert after["reopen_rate"] == 50.0 and after["avg_reply_hours"] is not None
    # the same figures read today, because they come from history
    with time_machine.travel(at(28)):
        assert civil(at(13)) == after
    by_channel = need_stats(staff, dimension="channel", start=at(1), as_of=at(13))
    assert (
        row(by_channel, "热线")["received"] == 1
        and row(by_channel, "民意征求窗口")["received"] == 1
    )
    assert need_totals(by_channel)["received"] == 2


def test_stats_are_scoped(world: Any, personas: Any, submit: Any, tree: Any) -> None:
    submit()
    submit(region=tree.community_a2, text="虹仙小区停车难")
    a1 = need_totals(need_stats(personas.secretary_a1, dimension="community"))
    a2 = need_stats(personas.secretary_a2, dimension="community")
    assert a1["received"] == 1
    assert [r["label"] for r in a2] == ["虹仙居民区"]
    assert need_stats(personas.member, dimension="community") == []
    # the handler sees only its department: nothing dispatched to it yet
    assert need_totals(need_stats(personas.dept_handler, dimension="department"))["received"] == 0


def _scenario(world: Any, personas: Any, submit: Any, tree: Any) -> dict[str, Any]:
    """Needs through every path statistics care about, on fixed dates."""
    staff, handler = personas.street_staff, personas.dept_handler
    culture = world.demo.departments["culture"]
    needs: dict[str, Any] = {}
    with time_machine.travel(at(3)):
        for name in ("late", "quick", "moved", "back", "dup", "spam", "open"):
            needs[name] = submit(text=f"{name} 社区需求", channel="hotline")
        needs["window"] = submit(text="窗口来访需求", channel="window", region=tree.community_a2)
        for name in ("late", "quick", "moved", "back", "open", "window"):
            S.need_dispatch(
                needs[name].pk, actor=staff, category=world.charity, department=world.civil
            )
        S.need_merge(needs["dup"].pk, into=needs["quick"], actor=staff)
        S.need_reject(needs["spam"].pk, actor=staff, reason="无效信息")
    with time_machine.travel(at(4)):
        S.need_accept(needs["quick"].pk, actor=handler)
        S.need_reply(needs["quick"].pk, actor=handler, reply_text="已安排")
        S.need_rate_by_code(needs["quick"].tracking_code, rating="unsatisfied")  # reopens
        S.need_return(needs["back"].pk, actor=handler, reason="不属于本部门")
        S.need_transfer(needs["moved"].pk, actor=handler, department=culture)
    with time_machine.travel(at(5)):
        S.need_dispatch(needs["back"].pk, actor=staff, category=world.sports, department=None)
        S.need_reply(needs["quick"].pk, actor=handler, reply_text="再次上门处理")
        S.need_rate_by_code(needs["quick"].tracking_code, rating="basic")
        S.need_reply(needs["window"].pk, actor=handler, reply_text="已答复")
    with time_machine.travel(at(12)):
        S.need_reply(needs["late"].pk, actor=handler, reply_text="迟到的答复")
        S.need_rate_by_code(needs["late"].tracking_code, rating="satisfied")
        S.need_close(needs["late"].pk, actor=staff)
    return needs


def test_summary_and_history_paths_agree(
    world: Any, personas: Any, submit: Any, tree: Any, monkeypatch: Any
) -> None:
    """The present (summaries) and a forced history fold give identical figures."""
    from lianjian.needs import stats

    _scenario(world, personas, submit, tree)
    windows = [(None, None), (at(4), at(6)), (at(1), at(12, 23))]
    users = [personas.street_staff, personas.dept_handler, personas.secretary_a1]
    current = {
        (u.pk, dim, w): need_stats(u, dimension=dim, start=w[0], end=w[1])
        for u in users
        for dim in ("department", "category", "street", "community", "channel")
        for w in windows
    }
    assert any(rows for rows in current.values())
    monkeypatch.setattr(stats, "CURRENT_WINDOW", dt.timedelta(0))
    for (uid, dim, w), rows in current.items():
        user = next(u for u in users if u.pk == uid)
        assert need_stats(user, dimension=dim, start=w[0], end=w[1]) == rows, (dim, w)


def test_summary_figures_per_need(world: Any, personas: Any, submit: Any, tree: Any) -> None:
    _scenario(world, personas, submit, tree)
    staff = personas.street_staff
    civil = row(need_stats(staff, dimension="department"), "民政办")
    # late, quick, open, window still with 民政办 (moved and back went elsewhere)
    assert civil["received"] == 4
    assert (civil["replied"], civil["on_time"]) == (3, 2)  # quick twice counts once
    assert civil["rated"] == 2 and civil["satisfaction_rate"] == 100.0  # latest ratings
    assert civil["reopened"] == 1
    assert civil["overdue"] == 1  # `open`, due 03-10, never answered
    by_channel = need_totals(need_stats(staff, dimension="channel"))
    assert by_channel["received"] == 8  # submitted, whatever happened next
    # the late reply (03-12) falls outside a 03-04..03-06 window; the window's replies inside
    window = row(need_stats(staff, dimension="department", start=at(4), end=at(6)), "民政办")
    assert (window["received"], window["replied"]) == (0, 2)


def test_summaries_rebuild_from_history(world: Any, personas: Any, submit: Any, tree: Any) -> None:
    from django.core.management import call_command

    from lianjian.needs.models import Need, NeedSummary, NeedTally

    def tallies() -> list[tuple[Any, ...]]:
        return sorted(NeedTally.objects.exclude(submitted=0).values_list(), key=lambda r: r[1:])

    needs = _scenario(world, personas, submit, tree)
    before = list(NeedSummary.objects.order_by("pk").values())
    assert len(before) == Need.objects.count()
    kept = [r[1:] for r in tallies()]  # what each transition's deltas built
    assert sum(r[7] for r in kept) == Need.objects.count()  # `submitted` column
    NeedSummary.objects.all().delete()
    NeedTally.objects.all().delete()
    call_command("needs_summary_rebuild", stdout=open("/dev/null", "w"))
    assert list(NeedSummary.objects.order_by("pk").values()) == before
    assert [r[1:] for r in tallies()] == kept
    # a need whose summary went missing is rebuilt at its next transition, tallies recounted
    NeedSummary.objects.filter(need=needs["open"]).delete()
    S.need_accept(needs["open"].pk, actor=personas.dept_handler)
    assert [r[1:] for r in tallies()] == kept
    summary = NeedSummary.objects.get(need=needs["open"])
    assert summary.status == "accepted" and summary.first_dispatched_at is not None
    assert timezone.localtime(summary.first_dispatched_at).date() == at(3).date()
