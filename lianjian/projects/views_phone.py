"""Phone pages (375 px) for claimants: members and unit admins.

They see the open items of the communities where they are registered (their
own community first), claim one, report progress with a photo taken on the
phone, and report delivery. Every write goes through the services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import require_any_perm, require_perm
from lianjian.orgs.access import get_in_scope
from lianjian.orgs.models import Region
from lianjian.projects import (
    access,
    selectors,
    selectors_pairs,
    services,
    services_delivery,
    services_pairs,
    services_reg,
)
from lianjian.projects.forms import (
    ClaimForm,
    DeliverForm,
    PairVisitPhoneForm,
    ProgressForm,
    RegisterForm,
)
from lianjian.projects.models import OPEN_CLAIM_STATUSES, ClaimStatus, Item, Kind, RegStatus
from lianjian.projects.services import MEMBER_KINDS, ProjectError

if TYPE_CHECKING:
    from lianjian.accounts.models import User

PHONE_LIST = 30


def _home_community(user: User) -> int | None:
    member = access.member_of(user)
    return member.residence_community_id if member else None


@require_perm("projects.claim")
def phone_home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    home = _home_community(user)
    items = selectors.open_items_for_claimant(user)
    if home:
        items = items.annotate(
            mine=Case(
                When(region_id=home, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("mine", "-id")
    return render(
        request,
        "projects/phone_home.html",
        {
            "registrations": access.registrations_acting_for(user)
            .exclude(status=RegStatus.WITHDRAWN)
            .select_related("region", "party_org", "member"),
            "claims": selectors.my_claims(user).order_by("-id")[:20],
            "items": items[:PHONE_LIST],
            "open_statuses": OPEN_CLAIM_STATUSES,
            "has_pairs": access.pairs_writable_by(user).exists(),
        },
    )


def _register_choices(user: User) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    targets: list[tuple[str, str]] = []
    community_ids: set[int] = set()
    member = access.member_of(user)
    if member is not None:
        targets.append((f"member:{member.pk}", f"本人（{member.name}）"))
        if member.residence_community_id:
            community_ids.add(member.residence_community_id)
    orgs = list(access.orgs_acting_for(user)[:200])
    for org in orgs:
        targets.append((f"org:{org.pk}", org.name))
    streets = {o.street_id for o in orgs if o.street_id}
    qs = Region.objects.filter(level=Region.Level.COMMUNITY, is_active=True)
    communities = list(
        qs.filter(pk__in=community_ids).values_list("pk", "name")
        if not streets
        else qs.filter(street_ref_id__in=streets).values_list("pk", "name")
    )
    if streets and community_ids:
        communities += list(qs.filter(pk__in=community_ids).values_list("pk", "name"))
    return targets, sorted(set(communities), key=lambda c: c[1])


@never_cache
@require_perm("projects.claim")
@require_http_methods(["GET", "POST"])
def phone_register(request: AuthenticatedRequest) -> HttpResponse:
    targets, communities = _register_choices(request.user)
    form = RegisterForm(targets, communities, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        kind, _, raw_id = data.pop("target").partition(":")
        region = Region.objects.get(pk=data.pop("community"))
        try:
            if kind == "member":
                member = access.member_of(request.user)
                reg = services_reg.registration_submit(
                    region=region, member=member, actor=request.user, request=request, **data
                )
            else:
                org = get_in_scope(access.orgs_acting_for(request.user), raw_id, user=request.user)
                reg = services_reg.registration_submit(
                    region=region, party_org=org, actor=request.user, request=request, **data
                )
        except ProjectError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, f"已提交到“{reg.region.name}”的报到，等待社区审核")
            return redirect("projects:phone")
    return render(request, "projects/phone_form.html", {"form": form, "title": "到社区报到"})


def _claim_choices(user: User, item: Item) -> list[tuple[int, str]]:
    regs = access.registrations_acting_for(user).filter(
        region_id=item.region_id, status=RegStatus.APPROVED
    )
    if item.kind not in MEMBER_KINDS:
        regs = regs.filter(party_org__isnull=False)
    return [(r.pk, r.registrant_name) for r in regs.select_related("party_org", "member")]


@never_cache
@require_perm("projects.view")
@require_http_methods(["GET", "POST"])
def phone_item(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = access.get_item_for_user(request.user, pk, request=request)
    choices = _claim_choices(request.user, item)
    initial = {"promised_by": item.wanted_by or timezone.localdate()}
    form = ClaimForm(choices, request.POST or None, initial=initial)
    if request.method == "POST":
        if not choices:
            messages.error(request, "须先到该社区报到并经审核通过，才能认领")
        elif form.is_valid():
            reg = access.registrations_acting_for(request.user).get(
                pk=form.cleaned_data["registration"]
            )
            try:
                claim = services.claim_create(
                    item,
                    registration=reg,
                    promised_by=form.cleaned_data["promised_by"],
                    actor=request.user,
                    request=request,
                )
            except ProjectError as err:
                form.add_error(err.field if err.field in form.fields else None, err.message)
            else:
                messages.success(request, f"认领成功：{item.title}")
                return redirect("projects:phone_claim", claim.pk)
    mine = access.claims_acting_for(request.user).filter(item=item).order_by("-id").first()
    return render(
        request,
        "projects/phone_item.html",
        {
            "item": item,
            "form": form,
            "can_claim": bool(choices)
            and item.slots_left > 0
            and item.status in ("published", "claimed", "in_progress"),
            "mine": mine,
            "problem": item.kind == Kind.PROBLEM,
        },
    )


@never_cache
@require_perm("projects.claim")
@require_http_methods(["GET", "POST"])
def phone_claim(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    claim = access.get_own_claim(request.user, pk, request=request)
    progress_form = ProgressForm(prefix="p")
    deliver_form = DeliverForm(prefix="d", initial={"people_helped": claim.item.beneficiary_count})
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "progress":
                progress_form = ProgressForm(request.POST, request.FILES, prefix="p")
                if progress_form.is_valid():
                    d = progress_form.cleaned_data
                    services_delivery.progress_report(
                        claim,
                        text_=d["text"],
                        percent=d["percent"],
                        photos=[d["photo"]] if d["photo"] else [],
                        actor=request.user,
                        request=request,
                    )
                    messages.success(request, "进展已报告")
                    return redirect("projects:phone_claim", claim.pk)
            elif step == "deliver":
                deliver_form = DeliverForm(request.POST, request.FILES, prefix="d")
                if deliver_form.is_valid():
                    d = deliver_form.cleaned_data
                    services_delivery.claim_deliver(
                        claim,
                        delivered_value=d["delivered_value"],
                        value_kind=d["value_kind"],
                        people_helped=d["people_helped"],
                        note=d["note"],
                        photos=[d["photo"]] if d["photo"] else [],
                        actor=request.user,
                        request=request,
                    )
                    messages.success(request, "已报告交付，等待社区确认")
                    return redirect("projects:phone_claim", claim.pk)
        except ProjectError as err:
            target = progress_form if step == "progress" else deliver_form
            name = {"text_": "text"}.get(err.field or "", err.field)
            if name == "photos":
                name = "photo"
            target.add_error(name if name in target.fields else None, err.message)
    return render(
        request,
        "projects/phone_claim.html",
        {
            "claim": claim,
            "item": claim.item,
            "progress": claim.progress.prefetch_related("photos"),
            "progress_form": progress_form,
            "deliver_form": deliver_form,
            "can_report": claim.status in (ClaimStatus.CLAIMED, ClaimStatus.IN_PROGRESS),
            "can_withdraw": claim.status == ClaimStatus.CLAIMED,
        },
    )


@require_POST
@require_perm("projects.claim")
def phone_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    claim = access.get_own_claim(request.user, pk, request=request)
    try:
        services.claim_withdraw(
            claim, reason=request.POST.get("reason", ""), actor=request.user, request=request
        )
        messages.success(request, "已退出认领")
    except ProjectError as err:
        messages.error(request, err.message)
    return redirect("projects:phone")


# ---------------------------------------------------------------- 帮扶对子 on the phone
#
# The unit admin of the pairing unit (and the staff who manage the community) log a
# visit where it happens: text, value in yuan, a photo. Reads and writes go through
# the same scope as the desk pages (`access.pairs_writable_by`, 404 outside it), the
# household through `selectors_pairs.household` (masked for whoever may not read it).

PAIR_WRITERS = ("projects.manage", "projects.claim")


@require_any_perm(*PAIR_WRITERS)
def phone_pairs(request: AuthenticatedRequest) -> HttpResponse:
    qs = selectors_pairs.with_totals(
        access.pairs_writable_by(request.user).select_related("region", "party_org")
    ).order_by(Case(When(ended_on__isnull=True, then=Value(0)), default=Value(1)), "-id")
    reach = access.PersonalReach(request.user)
    pairs = list(qs[:PHONE_LIST])
    return render(
        request,
        "projects/phone_pairs.html",
        {"rows": [(p, selectors_pairs.household(reach, p)) for p in pairs]},
    )


@never_cache
@require_any_perm(*PAIR_WRITERS)
@require_http_methods(["GET", "POST"])
def phone_pair(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    pair = access.get_writable_pair(request.user, pk, request=request)
    form = PairVisitPhoneForm(initial={"visited_on": timezone.localdate(), "value": 0})
    if request.method == "POST":
        form = PairVisitPhoneForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services_pairs.pair_visit_log(
                    pair,
                    visited_on=d["visited_on"],
                    note=d["note"],
                    value=d["value"],
                    photos=[d["photo"]] if d["photo"] else [],
                    actor=request.user,
                    request=request,
                )
            except ProjectError as err:
                name = "photo" if err.field == "photos" else err.field
                form.add_error(name if name in form.fields else None, err.message)
            else:
                messages.success(request, "已记录帮扶")
                return redirect("projects:phone_pair", pair.pk)
    full, visits = selectors_pairs.pair_detail(request.user, pair)
    reach = access.PersonalReach(request.user)
    return render(
        request,
        "projects/phone_pair.html",
        {
            "pair": full,
            "household": selectors_pairs.household(reach, full),
            # newest first on the phone; photos only for whoever reads the household in full
            "visits": list(reversed(visits))[:PHONE_LIST],
            "photos": reach.sees(full),
            "form": form,
            "open": full.ended_on is None,
        },
    )


@require_perm("projects.view")
def pair_photo(request: AuthenticatedRequest, token: str) -> FileResponse:
    """A visit's photo, for whoever reads the pair's household in full (404 otherwise)."""
    found = access.get_pair_photo_for_user(request.user, token)
    if found is None:
        raise Http404("照片不存在")
    response = FileResponse(found.file.open("rb"), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
