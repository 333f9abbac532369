"""Forms: field shapes only; the rules live in the services."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.http import QueryDict

from lianjian.projects.models import Kind, ValueKind

_DATE = forms.DateInput(attrs={"type": "date"})


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Kind.choices)
    title = forms.CharField(label="标题", max_length=100)
    description = forms.CharField(label="内容", widget=forms.Textarea, required=False)
    community = forms.TypedChoiceField(label="社区", coerce=int)
    programme = forms.CharField(label="公益品牌", max_length=50, required=False)
    beneficiary_count = forms.IntegerField(label="受益人数", min_value=0, initial=1)
    estimated_value = forms.DecimalField(
        label="预估价值（元）", min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    wanted_by = forms.DateField(label="期望完成日期", widget=_DATE, required=False)
    capacity = forms.IntegerField(
        label="认领名额",
        min_value=1,
        max_value=500,
        initial=1,
        help_text="微心愿和难题只有一个名额",
    )
    beneficiary_name = forms.CharField(label="受益人姓名（可选）", max_length=50, required=False)
    beneficiary_mobile = forms.CharField(
        label="受益人手机号（可选）", max_length=20, required=False
    )
    beneficiary_consent = forms.BooleanField(
        label="受益人已同意登记其姓名和联系方式，仅用于本项目", required=False
    )
    publish_now = forms.BooleanField(label="立即发布", required=False, initial=True)

    def __init__(self, communities: list[tuple[int, str]], data: QueryDict | None = None) -> None:
        super().__init__(data)
        self.fields["community"].choices = communities  # type: ignore[attr-defined]


class ClaimForm(forms.Form):
    registration = forms.TypedChoiceField(label="认领方", coerce=int)
    promised_by = forms.DateField(label="承诺完成日期", widget=_DATE)

    def __init__(
        self,
        registrations: list[tuple[int, str]],
        data: QueryDict | None = None,
        initial: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(data, initial=dict(initial or {}))
        self.fields["registration"].choices = registrations  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    text = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label="完成进度（%）", min_value=0, max_value=100)
    photo = forms.FileField(
        label="现场照片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class DeliverForm(forms.Form):
    delivered_value = forms.DecimalField(
        label="交付价值（元）", min_value=0, max_digits=12, decimal_places=2
    )
    value_kind = forms.ChoiceField(label="价值形式", choices=ValueKind.choices)
    people_helped = forms.IntegerField(label="帮扶人数", min_value=0, max_value=100000)
    note = forms.CharField(label="交付说明", widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.FileField(
        label="交付照片",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class RegisterForm(forms.Form):
    target = forms.ChoiceField(label="报到")
    community = forms.TypedChoiceField(label="报到社区", coerce=int)
    resources = forms.CharField(
        label="资源清单", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    skills = forms.CharField(
        label="服务特长", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    needs = forms.CharField(
        label="需求清单", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    proposals = forms.CharField(
        label="项目清单", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self,
        targets: list[tuple[str, str]],
        communities: list[tuple[int, str]],
        data: QueryDict | None = None,
    ) -> None:
        super().__init__(data)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
        self.fields["community"].choices = communities  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)


PAIR_CONSENT_TEXT = (
    "帮扶对象（或其家属）已知悉并同意：本单位与社区登记其姓名、家庭人数和困难情况，"
    "仅用于本帮扶对子的结对帮扶；结对结束时困难情况随即删除，本人可随时要求结束。"
)


class PairForm(forms.Form):
    registration = forms.TypedChoiceField(label="结对单位（已报到）", coerce=int)
    household_name = forms.CharField(label="帮扶对象", max_length=50)
    people = forms.IntegerField(label="家庭人数", min_value=1, max_value=50, initial=1)
    started_on = forms.DateField(label="结对日期", widget=_DATE)
    household_note = forms.CharField(
        label="困难情况（可选，仅结对单位和所在社区可见）",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
    )
    consent = forms.BooleanField(label=PAIR_CONSENT_TEXT, required=False)

    def __init__(self, registrations: list[tuple[int, str]], data: QueryDict | None = None) -> None:
        super().__init__(data)
        self.fields["registration"].choices = registrations  # type: ignore[attr-defined]


class PairVisitForm(forms.Form):
    visited_on = forms.DateField(label="帮扶日期", widget=_DATE)
    note = forms.CharField(
        label="帮扶内容", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    value = forms.DecimalField(
        label="价值（元）", min_value=0, max_digits=12, decimal_places=2, initial=0
    )


class PairVisitPhoneForm(PairVisitForm):
    """The same visit, logged on the phone with a photo taken there; today by default
    (ISO in the widget: a date input shows nothing for zh-hans's first format, 2026/12/07)."""

    visited_on = forms.DateField(
        label="帮扶日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    photo = forms.FileField(
        label="现场照片（可选）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class PairEndForm(forms.Form):
    ended_on = forms.DateField(label="结束日期", widget=_DATE)
