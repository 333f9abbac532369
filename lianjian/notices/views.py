"""Notice pages: the recipients' list and detail (reading records a receipt), and the
publishers' form, management list, receipts, pin and withdraw."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.paging import querystring_without_page
from lianjian.core.permissions import require_perm, user_has_perm
from lianjian.notices import selectors, services
from lianjian.notices.forms import NoticeForm
from lianjian.notices.models import Notice, NoticeAttachment
from lianjian.orgs.models import Region
from lianjian.orgs.selectors import party_org_choices, region_choices

PAGE_SIZE = 20
REGION_LEVELS = (Region.Level.DISTRICT, Region.Level.STREET, Region.Level.COMMUNITY)


def _get(request: AuthenticatedRequest, pk: int) -> Notice:
    notice = selectors.notice_for_user(request.user, pk)
    if notice is None:
        raise Http404("未找到该通知")
    return notice


@require_perm("notices.view")
def notice_list(request: AuthenticatedRequest) -> HttpResponse:
    unread = request.GET.get("unread") == "1"
    qs = selectors.notices_for(request.user, unread=unread)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notices/list.html",
        {
            "page": page,
            "unread": unread,
            "tab": "unread" if unread else "all",
            "can_publish": user_has_perm(request.user, selectors.PUBLISH),
            "querystring_base": querystring_without_page(request),
        },
    )


@require_perm("notices.publish")
def notice_manage(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.notices_managed_by(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notices/manage.html",
        {"page": page, "tab": "manage", "can_publish": True, "querystring_base": ""},
    )


@require_perm("notices.view")
def notice_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notice = _get(request, pk)
    services.notice_mark_read(notice, user=request.user)
    return render(
        request,
        "notices/detail.html",
        {
            "notice": notice,
            "attachments": notice.attachments.all(),
            "can_manage": selectors.may_manage(request.user, notice),
        },
    )


@require_perm("notices.publish")
@require_http_methods(["GET", "POST"])
def notice_create(request: AuthenticatedRequest) -> HttpResponse:
    regions = region_choices(request.user, selectors.PUBLISH, REGION_LEVELS)
    orgs = party_org_choices(request.user, selectors.PUBLISH, parents_only=True)
    form = NoticeForm(regions, orgs, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_publish(
                actor=request.user,
                title=data["title"],
                body=data["body"],
                region=data["region"],
                orgs=data["orgs"],
                publish_at=data["publish_at"],
                expire_at=data["expire_at"],
                pinned=data["pinned"],
                attachments=data["attachments"],
                idempotency_key=request.POST.get("idempotency_key"),
                request=request,
            )
        except services.NoticeError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, "通知已发布")
            return redirect("notices:detail", pk=notice.pk)
    # a double submission of the same form publishes once
    key = (request.POST.get("idempotency_key") or "")[:100] or secrets.token_hex(16)
    return render(request, "notices/form.html", {"form": form, "idempotency_key": key})


@require_perm("notices.publish")
def notice_receipts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notice = _get(request, pk)
    if not selectors.may_manage(request.user, notice):
        raise Http404("未找到该通知")
    rows, recipients, read = selectors.receipts(notice)
    return render(
        request,
        "notices/receipts.html",
        {"notice": notice, "rows": rows, "recipients": recipients, "read": read},
    )


def _manage_action(request: AuthenticatedRequest, pk: int) -> Notice:
    notice = _get(request, pk)
    if not selectors.may_manage(request.user, notice):
        raise Http404("未找到该通知")
    return notice


@require_perm("notices.publish")
@require_POST
def notice_pin(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notice = _manage_action(request, pk)
    pinned = request.POST.get("pinned") == "1"
    services.notice_set_pinned(notice, actor=request.user, pinned=pinned, request=request)
    messages.success(request, "已置顶" if pinned else "已取消置顶")
    return redirect("notices:detail", pk=notice.pk)


@require_perm("notices.publish")
@require_POST
def notice_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notice = _manage_action(request, pk)
    services.notice_withdraw(notice, actor=request.user, request=request)
    messages.success(request, "通知已撤回，接收人不再看到")
    return redirect("notices:manage")


@require_perm("notices.view")
def attachment_download(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    attachment = NoticeAttachment.objects.filter(token=token[:32]).first()
    if attachment is None:
        raise Http404("附件不存在")
    _get(request, attachment.notice_id)
    stem = "".join(
        ch if ch.isalnum() or ch in "-_" else "_"
        for ch in attachment.original_name.rsplit(".", 1)[0]
    )[:60]
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"{stem or '附件'}.{attachment.extension}",
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
