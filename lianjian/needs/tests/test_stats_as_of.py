"""Past-date statistics: summaries of needs unchanged since `as_of` plus a fold of the others.

The reference is the full fold of every need's history up to `as_of` (the
rule the figures are defined by); the fast path must give the same figures
for any date, scope and dimension, on histories with transfers, returns,
reopening, rating changes and department moves.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from lianjian.needs import services as S
from lianjian.needs import stats

TZ = timezone.get_current_timezone()
DIMENSIONS = ("department", "category", "street", "community", "channel")


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, 0, tzinfo=TZ)


def _full_fold(
    user: Any,
    dimension: str,
    received_at: str,
    start: dt.datetime | None,
    end: dt.datetime,
    as_of: dt.datetime,
    label: Any,
) -> dict[Any, dict[str, Any]]:
    """Every need in scope folded from its history (the definition)."""
    states = stats.states_as_of(user, as_of)
    key = stats.DIMENSIONS[dimension]
    return stats._tally_states(states, key, received_at, start, end, as_of)


def _handler_of_all(streets: list[Any]) -> Any:
    """One account holding the handler role on every department of these streets."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.needs.models import Department

    user = User.objects.create(username="all_handler", must_change_password=False)
    for dept in Department.objects.filter(street__in=streets):
        grant_add(user, Role.DEPT_HANDLER, department_key=dept.key)
    return user


def _random_history(world: Any, personas: Any, submit: Any, tree: Any, seed: int) -> list[Any]:
    """Needs in two streets walked through legal transitions on days 3..20 of March."""
    from lianjian.needs.models import Category, Department, Need, Status

    rng = random.Random(seed)
    dispatcher = personas.district_admin
    handler = _handler_of_all([tree.street_a, tree.street_b])
    streets = {
        s.pk: (
            list(Department.objects.filter(street=s, is_active=True).order_by("pk")),
            list(Category.objects.filter(street=s, is_active=True).order_by("pk")),
        )
        for s in (tree.street_a, tree.street_b)
    }
    regions = [tree.community_a1, tree.community_a2, tree.street_a, tree.community_b1]
    channels = ["hotline", "window", "online", "visit"]
    ids: list[int] = []
    for day in range(3, 21):
        for hour in (9, 15):
            with time_machine.travel(at(day, hour), tick=False):
                for _ in range(rng.randint(0, 3) if day < 17 else 0):
                    need = submit(
                        text=f"第{len(ids)}号需求 社区反映",
                        channel=rng.choice(channels),
                        region=rng.choice(regions),
                    )
                    ids.append(need.pk)
                for pk in rng.sample(ids, min(len(ids), 4)):
                    _step(rng, Need.objects.get(pk=pk), streets, dispatcher, handler, Status)
    return ids


def _step(
    rng: random.Random, need: Any, streets: dict[int, Any], dispatcher: Any, handler: Any, st: Any
) -> None:
    """One legal move for this need's status (rates go through the tracking code)."""
    depts, cats = streets[need.street_id]
    other = [d for d in depts if d.pk != need.department_id]
    status = need.status
    if status in (st.RECEIVED, st.RETURNED):
        if rng.random() < 0.85:
            dept = rng.choice([*depts, *depts, None])
            S.need_dispatch(need.pk, actor=dispatcher, category=rng.choice(cats), department=dept)
        else:
            S.need_reject(need.pk, actor=dispatcher, reason="无效信息")
    elif status in (st.DISPATCHED, st.TRANSFERRED, st.REOPENED, st.ACCEPTED):
        if need.department_id is None:
            S.need_dispatch(
                need.pk, actor=dispatcher, category=rng.choice(cats), department=rng.choice(depts)
            )
            return
        move = rng.choice(["reply", "reply", "accept", "transfer", "return"])
        if move == "accept" and status != st.ACCEPTED:
            S.need_accept(need.pk, actor=handler)
        elif move == "transfer":
            S.need_transfer(need.pk, actor=handler, department=rng.choice(other))
        elif move == "return":
            S.need_return(need.pk, actor=handler, reason="不属于本部门")
        else:
            S.need_reply(need.pk, actor=handler, reply_text="已答复")
    elif status == st.REPLIED:
        if rng.random() < 0.8:
            rating = rng.choice(["satisfied", "basic", "unsatisfied", "unsatisfied"])
            S.need_rate_by_code(need.tracking_code, rating=rating)  # unsatisfied reopens once
        else:
            S.need_close(need.pk, actor=dispatcher)
    elif status == st.RATED:
        S.need_close(need.pk, actor=dispatcher)


@pytest.mark.parametrize("seed", [1, 2])
def test_past_dates_match_the_full_fold(
    world: Any, personas: Any, submit: Any, tree: Any, monkeypatch: Any, seed: int
) -> None:
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role
    from lianjian.needs.models import NeedEvent, NeedSummary

    ids = _random_history(world, personas, submit, tree, seed)
    actions = set(NeedEvent.objects.values_list("action", flat=True))
    # the walk went through every kind of move statistics care about
    assert {"transfer", "return", "reopen", "rate", "reject", "reply"} <= actions
    culture = world.demo.departments["culture"]
    culture_handler = personas.outsider
    grant_add(culture_handler, Role.DEPT_HANDLER, department_key=culture.key)
    users = {
        "district": personas.district_admin,
        "street": personas.street_staff,
        "community": personas.secretary_a1,
        "civil handler": personas.dept_handler,
        "culture handler": culture_handler,
    }
    # two dates fall on event times: a need whose last event is at `as_of` is settled
    dates = [at(6, 12), at(9, 15), at(12, 12), at(16, 9), at(19, 20)]
    assert NeedSummary.objects.filter(last_event_at__in=dates).exists()
    windows = [(None, None), (at(5), at(14))]
    fast = {
        (who, dim, w, d): stats.need_stats(user, dimension=dim, start=w[0], end=w[1], as_of=d)
        for who, user in users.items()
        for dim in DIMENSIONS
        for w in windows
        for d in dates
    }
    for d in dates:
        # both parts are exercised at every date: some needs settled, some changed since
        settled = NeedSummary.objects.filter(last_event_at__lte=d).count()
        changed = NeedSummary.objects.filter(last_event_at__gt=d, submitted_at__lte=d).count()
        assert settled and changed, d
        for who, user in users.items():
            whole = {s.need_id for s in stats.states_as_of(user, d)}
            part = {s.need_id for s in stats.states_as_of(user, d, changed_only=True)}
            assert part <= whole
            mine = set(
                stats.summaries_visible_to(user)
                .filter(last_event_at__lte=d)
                .values_list("need_id", flat=True)
            )
            assert whole == part | mine and not part & mine, (who, d)
    for who in ("civil handler", "culture handler"):  # department moves change who sees what
        counts = {len(stats.states_as_of(users[who], d)) for d in dates}
        assert len(counts) > 1, who
    assert any(fast[("civil handler", "department", windows[0], d)] for d in dates)

    monkeypatch.setattr(stats, "_tally_history", _full_fold)
    for (who, dim, w, d), rows in fast.items():
        user = users[who]
        assert stats.need_stats(user, dimension=dim, start=w[0], end=w[1], as_of=d) == rows, (
            who,
            dim,
            w,
            d,
        )
    # long after the last event the full fold is what the summaries say today
    assert len(ids) > 20
    for who, user in users.items():
        for dim in DIMENSIONS:
            now_rows = stats.need_stats(user, dimension=dim)
            folded = stats.need_stats(
                user, dimension=dim, as_of=timezone.now() - dt.timedelta(minutes=1)
            )
            assert folded == now_rows, (who, dim)


def test_averages_merge_as_sums(world: Any, personas: Any, submit: Any) -> None:
    """A settled and a changed need in one department: the mean of both replies, not of means."""
    handler, staff = personas.dept_handler, personas.street_staff
    needs = []
    with time_machine.travel(at(3, 9), tick=False):  # Monday
        for text in ("一号需求", "二号需求", "三号需求"):
            need = submit(text=text)
            S.need_dispatch(need.pk, actor=staff, category=world.charity, department=world.civil)
            needs.append(need)
    with time_machine.travel(at(3, 10), tick=False):
        S.need_reply(needs[0].pk, actor=handler, reply_text="一小时")
    with time_machine.travel(at(3, 13), tick=False):
        S.need_reply(needs[1].pk, actor=handler, reply_text="四小时")
        S.need_reply(needs[2].pk, actor=handler, reply_text="四小时")
    with time_machine.travel(at(6, 9), tick=False):  # needs[1] changes after the as_of date
        S.need_rate_by_code(needs[1].tracking_code, rating="satisfied")
    row = stats.need_stats(staff, dimension="department", as_of=at(4))[0]
    # settled: 1 h and 4 h; changed: 4 h. (1 + 4 + 4) / 3 = 3.0; the mean of means would be 3.25
    assert (row["replied"], row["avg_reply_hours"], row["rated"]) == (3, 3.0, 0)


def test_all_time_statements_follow_names_dates_and_scope(
    world: Any, personas: Any, submit: Any, tree: Any
) -> None:
    """The all-time statements are compiled once per scope; names and dates are read per call."""
    staff = personas.street_staff
    stats._all_time_sql.cache_clear()
    with time_machine.travel(at(3, 9), tick=False):  # due Monday 03-10
        need = submit()
        S.need_dispatch(need.pk, actor=staff, category=world.charity, department=world.civil)
    with time_machine.travel(at(7), tick=False):
        before = stats.need_stats(staff, dimension="department")
        assert [(r["label"], r["received"], r["overdue"]) for r in before] == [("民政办", 1, 0)]
        S.department_update(world.civil, name="民政和社区服务办", actor=staff)
    with time_machine.travel(at(11), tick=False):  # past the deadline now
        after = stats.need_stats(staff, dimension="department")
        assert [(r["label"], r["received"], r["overdue"]) for r in after] == [
            ("民政和社区服务办", 1, 1)
        ]
        # other scopes and dimensions get statements of their own
        other = stats.need_stats(personas.district_admin, dimension="street")
        assert [(r["label"], r["received"]) for r in other] == [(tree.street_a.name, 1)]
        assert stats.need_stats(personas.member, dimension="department") == []
    cache = stats._all_time_sql.cache_info()
    assert (cache.hits, cache.misses) == (1, 3)


def test_past_date_fold_runs_with_the_collector_paused(
    world: Any, personas: Any, monkeypatch: Any
) -> None:
    import gc

    seen: list[bool] = []
    real = stats.states_as_of

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "states_as_of", spy)
    assert gc.isenabled()
    past = timezone.now() - dt.timedelta(days=30)
    stats.need_stats(personas.district_admin, dimension="department", as_of=past)
    assert seen == [False] and gc.isenabled()


def test_all_time_statements_are_shared_by_users_with_the_same_grants(
    world: Any, personas: Any, submit: Any
) -> None:
    """The cache key is the scope as plain values (ADR 0012): a second handler of the same
    department, with a grant row of its own, reuses the first one's statements."""
    from lianjian.accounts.models import User
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    need = submit()
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    colleague = User.objects.create_user("civil_colleague", password="x-Strong-Pass-1")
    grant_add(colleague, Role.DEPT_HANDLER, department_key=world.civil.key)
    stats._all_time_sql.cache_clear()
    first = stats.need_stats(personas.dept_handler, dimension="department")
    second = stats.need_stats(User.objects.get(pk=colleague.pk), dimension="department")
    assert first == second and [r["received"] for r in first] == [1]
    cache = stats._all_time_sql.cache_info()
    assert (cache.hits, cache.misses) == (1, 1)
