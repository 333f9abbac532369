"""Registry pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.accounts.permissions import require_perm


@require_perm("orgs.view_region")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "区域", "message": "建设中"})


@require_perm("orgs.view_unit")
def unit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "单位", "message": "建设中"})


@require_perm("orgs.view_partyorg")
def partyorg_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "党组织", "message": "建设中"})


@require_perm("orgs.view_member")
def member_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/error.html", {"title": "党员", "message": "建设中"})
