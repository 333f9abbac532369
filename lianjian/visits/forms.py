"""Forms for visit pages: input shape only; the rules live in `services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from lianjian.core.identifiers import normalize_credit_code
from lianjian.orgs.models import PartyOrg, Unit
from lianjian.visits.models import Visit

# the date input takes ISO dates only, whatever the locale formats dates as
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UnitLookupField(forms.CharField):
    """A unit named by credit code or (part of) its name, resolved inside the user's scope."""

    def __init__(self, units: QuerySet[Unit], **kwargs: Any) -> None:
        self.units = units
        super().__init__(max_length=200, **kwargs)

    def clean(self, value: Any) -> Unit:
        text = str(super().clean(value) or "").strip()
        exact = list(
            self.units.filter(Q(credit_code=normalize_credit_code(text)) | Q(name=text))[:2]
        )
        if len(exact) == 1:
            return exact[0]
        found = list(self.units.filter(name__icontains=text).order_by("name")[:6])
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError("在您的管理范围内找不到该单位")
        names = "、".join(u.name for u in found[:5])
        raise forms.ValidationError(f"匹配到多个单位，请填写完整名称或信用代码：{names}")


class VisitForm(forms.Form):
    unit = forms.CharField(label="走访单位")
    visited_on = forms.DateField(label="走访日期", widget=DATE)
    method = forms.ChoiceField(label="走访方式", choices=Visit.Method.choices)
    visitors = forms.CharField(label="走访人员", max_length=200)
    cadre = forms.TypedChoiceField(label="走访干部", required=False, coerce=int, empty_value=None)
    party_org = forms.TypedChoiceField(
        label="代表党组织", required=False, coerce=int, empty_value=None
    )
    findings = forms.CharField(label="走访情况", widget=forms.Textarea(attrs={"rows": 5}))
    follow_up = forms.CharField(
        label="跟进事项", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up_status = forms.ChoiceField(label="跟进状态", choices=Visit.FollowUp.choices)

    def __init__(
        self,
        units: QuerySet[Unit],
        cadres: list[tuple[int, str]],
        orgs: QuerySet[PartyOrg],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = UnitLookupField(
            units, label="走访单位", help_text="单位名称或统一社会信用代码"
        )
        self.fields["cadre"].choices = [("", "（不指定）"), *cadres]  # type: ignore[attr-defined]
        self.fields["party_org"].choices = [  # type: ignore[attr-defined]
            ("", "（不指定）"),
            *orgs.order_by("path").values_list("pk", "name"),
        ]


class RaiseNeedForm(forms.Form):
    text = forms.CharField(label="需求内容", widget=forms.Textarea(attrs={"rows": 4}))
    submitter_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20)


class FollowUpForm(forms.Form):
    follow_up_status = forms.ChoiceField(label="跟进状态", choices=Visit.FollowUp.choices)
    follow_up = forms.CharField(
        label="跟进事项", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CadreForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    party_org = forms.TypedChoiceField(label="任职党组织", coerce=int)
    title = forms.CharField(label="职务", max_length=50)
    since = forms.DateField(label="任职日期", widget=DATE)

    def __init__(self, orgs: QuerySet[PartyOrg], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_org"].choices = list(  # type: ignore[attr-defined]
            orgs.order_by("path").values_list("pk", "name")
        )


class PostForm(CadreForm):
    def __init__(self, orgs: QuerySet[PartyOrg], *args: Any, **kwargs: Any) -> None:
        super().__init__(orgs, *args, **kwargs)
        del self.fields["name"]


class PeriodForm(forms.Form):
    start = forms.DateField(label="开始日期", required=False, widget=DATE)
    end = forms.DateField(label="结束日期", required=False, widget=DATE)
