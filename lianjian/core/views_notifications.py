"""The notification inbox (every signed-in user's own) and channel preferences."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.core import inbox
from lianjian.core.actors import ActorRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_login

PAGE_SIZE = 30


@require_login
def inbox_page(request: ActorRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    page = Paginator(inbox.notifications_of(request.user, unread=unread), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for n in page.object_list:
        n.safe_link = inbox.safe_link(n.link)
    return render(
        request,
        "core/notifications/inbox.html",
        {
            "page": page,
            "unread": unread,
            "querystring_base": querystring_without_page(request),
        },
    )


@require_login
def notification_open(request: ActorRequest, pk: int) -> HttpResponse:
    """Follow a notification to its object; opening it marks it read."""
    row = inbox.notification_mark_read(request.user, pk)
    return redirect(inbox.safe_link(row.link) or "core_notifications:inbox")


@require_login
@require_POST
def notification_read(request: ActorRequest, pk: int) -> HttpResponse:
    inbox.notification_mark_read(request.user, pk)
    return redirect("core_notifications:inbox")


@require_login
@require_POST
def notifications_read_all(request: ActorRequest) -> HttpResponse:
    n = inbox.notifications_mark_all_read(request.user)
    messages.success(request, f"已将 {n} 条通知标为已读")
    return redirect("core_notifications:inbox")


@require_login
@require_http_methods(["GET", "POST"])
def preferences(request: ActorRequest) -> HttpResponse:
    if request.method == "POST":
        chosen = set()
        for value in request.POST.getlist("on"):
            kind, _, channel = value.rpartition(":")
            chosen.add((kind, channel))
        inbox.preferences_save(request.user, chosen)
        messages.success(request, "通知方式已保存")
        return redirect("core_notifications:preferences")
    return render(
        request,
        "core/notifications/preferences.html",
        {"rows": inbox.preference_rows(request.user)},
    )
