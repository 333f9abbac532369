"""Duty roster pages: the roster as a printable table, taking, swapping and releasing slots."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django import forms
from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.activities import access, services
from lianjian.activities.access import JOIN, MANAGE
from lianjian.activities.models import Roster, RosterSlot, Shift, Volunteer
from lianjian.activities.services import ActivityError
from lianjian.core.permissions import require_perm
from lianjian.orgs.access import get_in_scope, regions_visible_to
from lianjian.orgs.models import Region


class RosterForm(forms.Form):
    name = forms.CharField(label="排班表名称", max_length=100)
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        label="所属社区", queryset=Region.objects.none()
    )
    posts = forms.CharField(label="岗位（用逗号分隔）", max_length=500)
    first_day = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label="天数（按日期排班）", min_value=1, max_value=62, initial=7)
    weekly = forms.BooleanField(label="每周循环（按星期排班，到截止日期为止）", required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label="每周的哪几天",
        choices=RosterSlot.Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    until_day = forms.DateField(
        label="截止日期（每周循环）", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    times = forms.CharField(label="时段（如 07:00-09:00,18:00-20:00）", max_length=200)
    capacity = forms.IntegerField(label="每班人数", min_value=1, max_value=50, initial=1)

    def clean_times(self) -> list[tuple[dt.time, dt.time]]:
        out = []
        for part in self.cleaned_data["times"].replace("，", ",").split(","):
            try:
                a, b = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
            except ValueError:
                raise forms.ValidationError("时段格式应为 07:00-09:00") from None
            out.append((a, b))
        return out


def _int(raw: object) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 12 else 0


@require_perm(f"{JOIN}|{MANAGE}")
@require_http_methods(["GET", "POST"])
def rosters(request: AuthenticatedRequest) -> HttpResponse:
    communities = regions_visible_to(request.user, MANAGE).filter(level=Region.Level.COMMUNITY)
    form = RosterForm(request.POST or None)
    form.fields["region"].queryset = communities  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if d["weekly"]:
            # `roster_create`'s keyword arguments: a weekly rule, or the listed days
            when: dict[str, Any] = {
                "weekdays": d["weekdays"], "from_day": d["first_day"], "until_day": d["until_day"],
            }  # fmt: skip
        else:
            when = {"days": [d["first_day"] + dt.timedelta(days=n) for n in range(d["days"])]}
        try:
            roster = services.roster_create(
                actor=request.user, name=d["name"], region=d["region"],
                posts=[p for p in d["posts"].replace("，", ",").split(",") if p.strip()],
                times=d["times"], capacity=d["capacity"], **when,
            )  # fmt: skip
            messages.success(request, "排班表已发布")
            return redirect("activities:roster", roster.pk)
        except ActivityError as err:
            form.add_error(None, err.message)
    return render(
        request,
        "activities/rosters.html",
        {
            "rosters": access.rosters_visible_to(request.user).order_by("-id")[:50],
            "form": form if communities.exists() else None,
        },
    )


@require_perm(f"{JOIN}|{MANAGE}")
@require_http_methods(["GET", "POST"])
def roster_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    roster: Roster = get_in_scope(
        access.rosters_visible_to(request.user), pk, user=request.user, request=request
    )
    volunteer = access.volunteer_of(request.user)
    if request.method == "POST":
        try:
            if volunteer is None:
                raise ActivityError("请先加入志愿服务")
            action = request.POST.get("action")
            slot = roster.slots.filter(pk=_int(request.POST.get("slot"))).first()
            on = _date(request.POST.get("on"))
            mine = Shift.objects.filter(
                volunteer=volunteer, released_at__isnull=True, slot__roster=roster,
                pk=_int(request.POST.get("shift")),
            ).first()  # fmt: skip
            if action == "take" and slot is not None:
                services.shift_take(slot, volunteer, on=on, actor=request.user)
                messages.success(request, "已认领班次，值班前一天会提醒您")
            elif action == "release" and mine is not None:
                services.shift_release(mine, actor=request.user)
                messages.success(request, "已释放班次")
            elif action == "swap" and mine is not None and slot is not None:
                services.shift_swap(mine, slot, on=on, actor=request.user)
                messages.success(request, "已换班")
            else:
                raise ActivityError("未找到该班次")
        except ActivityError as err:
            messages.error(request, err.message)
        week = request.POST.get("week", "")
        suffix = f"?week={week}" if _date(week) else ""
        return redirect(reverse("activities:roster", args=[roster.pk]) + suffix)
    return render(request, "activities/roster_detail.html", _table(roster, volunteer, request.GET))


def _date(raw: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(raw or "")[:10])
    except ValueError:
        return None


class _Cell(TypedDict):
    slot: RosterSlot
    on: dt.date
    shifts: list[Shift]
    taken: int
    open: bool


def _table(roster: Roster, volunteer: Volunteer | None, params: QueryDict) -> dict[str, object]:
    """The roster as a printable table: every dated slot, and a weekly roster's chosen week
    (Monday to Sunday; by default this week, or its first week if it starts later)."""
    slots = list(roster.slots.all())
    weekly = [s for s in slots if s.day is None]
    monday = None
    if weekly:
        today = timezone.localdate()
        first = min(s.from_day for s in weekly if s.from_day is not None)
        asked = _date(params.get("week")) or max(today, first)
        monday = asked - dt.timedelta(days=asked.weekday())
    cells: list[tuple[dt.date, RosterSlot]] = [(s.day, s) for s in slots if s.day is not None]
    if monday is not None:
        sunday = monday + dt.timedelta(days=6)
        cells += [(on, s) for s in weekly for on in services.occurrences(s, monday, sunday)]
    holders: dict[tuple[int, dt.date], list[Shift]] = {}
    for shift in Shift.objects.filter(slot__roster=roster, released_at__isnull=True).select_related(
        "volunteer", "slot"
    ):
        holders.setdefault((shift.slot_id, shift.on), []).append(shift)
    posts = sorted({s.post for s in slots})
    rows: dict[tuple[dt.date, dt.time, dt.time], dict[str, _Cell]] = {}
    for on, s in cells:
        held = holders.get((s.pk, on), [])
        rows.setdefault((on, s.starts, s.ends), {})[s.post] = {
            "slot": s, "on": on, "shifts": held, "taken": len(held),
            "open": len(held) < s.capacity,
        }  # fmt: skip
    table = [(key, [row.get(p) for p in posts]) for key, row in sorted(rows.items())]
    mine = sorted(
        (
            sh for shifts in holders.values() for sh in shifts
            if volunteer is not None and sh.volunteer_id == volunteer.pk
        ),
        key=lambda sh: (sh.on, sh.slot.starts),
    )  # fmt: skip
    week = {}
    if monday is not None:
        week = {
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "prev": f"{monday - dt.timedelta(days=7):%Y-%m-%d}",
            "next": f"{monday + dt.timedelta(days=7):%Y-%m-%d}",
            "param": f"{monday:%Y-%m-%d}",
        }
    return {
        "roster": roster,
        "posts": posts,
        "table": table,
        "mine": mine,
        "volunteer": volunteer,
        "week": week,
    }
