"""Answer pages, designed for a 375 px phone: the to-do list, a survey's form, the public link.

A unit admin answers for their unit, a member for themself; the public link
takes anyone (signed in, or anonymous when the survey says so: the browser
then keeps a random key in a cookie, one answer per browser). "保存草稿"
keeps the answers for later; "提交" checks them all against the definition
and shows each problem under its question.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lianjian.accounts.requests import AuthenticatedRequest
from lianjian.core.permissions import public, require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.surveys import access, selectors, services
from lianjian.surveys.definition import SurveyError, visible
from lianjian.surveys.models import Audience, Response, Survey

ANON_COOKIE = "lj_survey_key"
SUBMIT_RATE = (30, 3600)  # public submissions per client an hour (S22)


# the answers as posted, by question key: an option, options, matrix cells or a text
Posted = str | list[str] | dict[str, str]


def _answers_from(post: QueryDict, definition: dict[str, Any]) -> dict[str, Posted]:
    out: dict[str, Posted] = {}
    for q in definition["questions"]:
        key = q["key"]
        if q["kind"] == "multiple":
            out[key] = post.getlist(key)
        elif q["kind"] == "matrix":
            out[key] = {r["key"]: post.get(f"{key}__{r['key']}", "") for r in q["rows"]}
        else:
            out[key] = post.get(key, "")
    return out


def _form(
    request: HttpRequest,
    survey: Survey,
    who: services.Respondent,
    action_url: str,
) -> HttpResponse:
    version = services.current_version(survey)
    existing = services.draft_of(survey, who["key"])
    if existing is not None and existing.status == Response.Status.SUBMITTED:
        return render(request, "surveys/thanks.html", {"survey": survey, "already": True})
    answers = dict(existing.answers) if existing else {}
    errors: dict[str, str] = {}
    closed = services.accepting(survey)
    if request.method == "POST" and not closed:
        submit = request.POST.get("op") == "submit"
        answers = _answers_from(request.POST, version.definition)
        try:
            services.response_save(
                survey,
                respondent_key=who["key"],
                unit=who["unit"],
                user=request.user if request.user.is_authenticated else None,
                respondent_name=who["name"],
                answers=answers,
                submit=submit,
                request=request,
            )
        except SurveyError as exc:
            errors = getattr(exc, "errors", {})
            messages.error(request, exc.message)
        else:
            if submit:
                return render(request, "surveys/thanks.html", {"survey": survey})
            messages.success(request, "草稿已保存，可稍后继续填写")
            return redirect(action_url)
    questions = [
        {
            **q,
            "value": answers.get(q["key"]),
            "error": errors.get(q["key"]),
            "hidden": not visible(q, answers),
            "scale_values": list(range(int(q["min"]), int(q["max"]) + 1))
            if q["kind"] == "scale"
            else [],
        }
        for q in version.definition["questions"]
    ]
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "who": who,
            "questions": questions,
            "closed": closed,
            "draft": existing is not None,
            "action_url": action_url,
        },
    )


@require_perm(access.ANSWER)
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "surveys/inbox.html",
        {"targets": selectors.pending_targets(request.user)},
    )


@require_perm(access.ANSWER)
@require_http_methods(["GET", "POST"])
def answer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = Survey.objects.filter(pk=pk).exclude(audience=Audience.PUBLIC).first()
    if survey is None or survey.status == Survey.Status.DRAFT:
        raise Http404
    unit_id = request.GET.get("unit")
    try:
        who = services.respondent_for(
            survey, request.user, unit_id=int(unit_id) if unit_id and unit_id.isdigit() else None
        )
    except SurveyError:
        raise Http404 from None  # not sent to this user: as if it did not exist
    url = request.get_full_path()
    return _form(request, survey, who, url)


@public
@require_http_methods(["GET", "POST"])
def public_answer(request: HttpRequest, token: str) -> HttpResponse:
    survey = Survey.objects.filter(public_token=token, audience=Audience.PUBLIC).first()
    if survey is None or survey.status == Survey.Status.DRAFT:
        raise Http404
    if request.method == "POST":
        limited = rate_limited(
            request, "surveys.submit", limit=SUBMIT_RATE[0], window=SUBMIT_RATE[1]
        )
        if limited is not None:
            return limited
    new_key = None
    if request.user.is_authenticated and not survey.anonymous:
        who: services.Respondent = {
            "key": f"user:{request.user.pk}",
            "unit": None,
            "name": getattr(request.user, "display_name", ""),
        }
    elif request.user.is_authenticated:
        # anonymous survey, signed-in person: one answer each, under a key that names nobody
        digest = hmac.new(
            settings.SECRET_KEY.encode(), f"survey:{request.user.pk}".encode(), hashlib.sha256
        ).hexdigest()[:24]
        who = {"key": f"anon:{digest}", "unit": None, "name": ""}
    elif survey.login_required:
        return redirect_to_login(request.get_full_path())
    else:
        key = request.COOKIES.get(ANON_COOKIE, "")
        if not (16 <= len(key) <= 32 and key.isalnum()):
            key = new_key = secrets.token_hex(12)
        who = {"key": f"anon:{key}", "unit": None, "name": ""}
    response = _form(request, survey, who, request.path)
    if new_key:
        response.set_cookie(
            ANON_COOKIE, new_key, max_age=365 * 86400, httponly=True, samesite="Lax"
        )
    return response
