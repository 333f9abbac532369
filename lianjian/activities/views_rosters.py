"""Duty roster pages: the roster as a printable table, taking, swapping and releasing slots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.activities import access, services
from lianjian.activities.access import JOIN, MANAGE
from lianjian.activities.models import Roster, RosterSlot, Shift
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
    days = forms.IntegerField(label="天数", min_value=1, max_value=62, initial=7)
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


def _int(raw: Any) -> int:
    text = str(raw or "")
    return int(text) if text.isdigit() and len(text) < 12 else 0


@require_perm(f"{JOIN}|{MANAGE}")
@require_http_methods(["GET", "POST"])
def rosters(request: HttpRequest) -> HttpResponse:
    communities = regions_visible_to(request.user, MANAGE).filter(level=Region.Level.COMMUNITY)
    form = RosterForm(request.POST or None)
    form.fields["region"].queryset = communities  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            roster = services.roster_create(
                actor=request.user, name=d["name"], region=d["region"],
                posts=[p for p in d["posts"].replace("，", ",").split(",") if p.strip()],
                days=[d["first_day"] + dt.timedelta(days=n) for n in range(d["days"])],
                times=d["times"], capacity=d["capacity"],
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
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
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
            mine = Shift.objects.filter(
                volunteer=volunteer, released_at__isnull=True, slot__roster=roster,
                pk=_int(request.POST.get("shift")),
            ).first()  # fmt: skip
            if action == "take" and slot is not None:
                services.shift_take(slot, volunteer, actor=request.user)
                messages.success(request, "已认领班次，值班前一天会提醒您")
            elif action == "release" and mine is not None:
                services.shift_release(mine, actor=request.user)
                messages.success(request, "已释放班次")
            elif action == "swap" and mine is not None and slot is not None:
                services.shift_swap(mine, slot, actor=request.user)
                messages.success(request, "已换班")
            else:
                raise ActivityError("未找到该班次")
        except ActivityError as err:
            messages.error(request, err.message)
        return redirect("activities:roster", roster.pk)
    slots = list(roster.slots.all())
    holders: dict[int, list[Shift]] = {}
    for shift in Shift.objects.filter(slot__roster=roster, released_at__isnull=True).select_related(
        "volunteer"
    ):
        holders.setdefault(shift.slot_id, []).append(shift)
    posts = sorted({s.post for s in slots})
    rows: dict[tuple[dt.date, dt.time, dt.time], dict[str, RosterSlot]] = {}
    for s in slots:
        rows.setdefault((s.day, s.starts, s.ends), {})[s.post] = s
    table = [
        (key, [(cells.get(p), holders.get(cells[p].pk, []) if p in cells else []) for p in posts])
        for key, cells in sorted(rows.items())
    ]
    my_shifts = [
        sh for shifts in holders.values() for sh in shifts
        if volunteer is not None and sh.volunteer_id == volunteer.pk
    ]  # fmt: skip
    return render(
        request,
        "activities/roster_detail.html",
        {
            "roster": roster,
            "posts": posts,
            "table": table,
            "mine": my_shifts,
            "volunteer": volunteer,
        },
    )
