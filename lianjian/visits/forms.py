"""Forms for visit pages: input shape only; the rules live in `services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from lianjian.core.pickers import PickerWidget
from lianjian.orgs.models import PartyOrg, Unit
from lianjian.visits.models import Cadre, Visit

# the date input takes ISO dates only, whatever the locale formats dates as
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _picked(queryset: QuerySet[Any], label: str, what: str, key: str, **kw: Any) -> Any:
    """A choice among a scoped queryset, made with a type-ahead picker (`core.pickers`)."""
    return forms.ModelChoiceField(
        queryset=queryset,
        label=label,
        widget=PickerWidget(key, placeholder=f"输入{what}名称搜索"),
        error_messages={
            "invalid_choice": f"在您的管理范围内找不到该{what}",
            "required": f"请选择{what}",
        },
        **kw,
    )


class VisitForm(forms.Form):
    unit: forms.Field = forms.ModelChoiceField(queryset=Unit.objects.none())
    visited_on = forms.DateField(label="走访日期", widget=DATE)
    method = forms.ChoiceField(label="走访方式", choices=Visit.Method.choices)
    visitors = forms.CharField(label="走访人员", max_length=200)
    cadre: forms.Field = forms.ModelChoiceField(queryset=Cadre.objects.none(), required=False)
    party_org: forms.Field = forms.ModelChoiceField(
        queryset=PartyOrg.objects.none(), required=False
    )
    findings = forms.CharField(label="走访情况", widget=forms.Textarea(attrs={"rows": 5}))
    follow_up = forms.CharField(
        label="跟进事项", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up_status = forms.ChoiceField(label="跟进状态", choices=Visit.FollowUp.choices)

    field_order = [
        "unit",
        "visited_on",
        "method",
        "visitors",
        "cadre",
        "party_org",
        "findings",
        "follow_up",
        "follow_up_status",
    ]

    def __init__(
        self,
        units: QuerySet[Unit],
        cadres: QuerySet[Cadre],
        orgs: QuerySet[PartyOrg],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _picked(units, "走访单位", "单位", "visits.unit")
        self.fields["unit"].help_text = "输入单位名称或统一社会信用代码，从列表中选择"
        self.fields["cadre"] = _picked(cadres, "走访干部", "干部", "visits.cadre", required=False)
        self.fields["party_org"] = _picked(
            orgs, "代表党组织", "党组织", "visits.party_org", required=False
        )
        self.order_fields(self.field_order)


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
    party_org: forms.Field = forms.ModelChoiceField(queryset=PartyOrg.objects.none())
    title = forms.CharField(label="职务", max_length=50)
    since = forms.DateField(label="任职日期", widget=DATE)

    def __init__(self, orgs: QuerySet[PartyOrg], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_org"] = _picked(orgs, "任职党组织", "党组织", "visits.party_org")
        self.order_fields(["name", "party_org", "title", "since"])


class PostForm(CadreForm):
    def __init__(self, orgs: QuerySet[PartyOrg], *args: Any, **kwargs: Any) -> None:
        super().__init__(orgs, *args, **kwargs)
        del self.fields["name"]


class PeriodForm(forms.Form):
    start = forms.DateField(label="开始日期", required=False, widget=DATE)
    end = forms.DateField(label="结束日期", required=False, widget=DATE)
