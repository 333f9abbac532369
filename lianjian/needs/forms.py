"""Forms for needs pages: shape and widgets only; the rules live in `services`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from lianjian.needs.models import Channel, Rating, SubmitterKind


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    widget = MultiFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultiFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PublicNeedForm(forms.Form):
    """The public phone form: residents and enterprises, no account."""

    text = forms.CharField(
        label="您的需求", widget=forms.Textarea(attrs={"rows": 5}), max_length=2000
    )
    region = forms.TypedChoiceField(label="所在社区/楼宇", coerce=int, choices=())
    submitter_kind = forms.ChoiceField(
        label="您是", choices=SubmitterKind.choices, initial=SubmitterKind.PERSON
    )
    submitter_name = forms.CharField(label="称呼或单位名称", max_length=50, required=False)
    contact_phone = forms.CharField(
        label="手机号码（匿名提出可不填）",
        max_length=20,
        required=False,
        help_text="用于告知办理结果，不会公开；除匿名外必须填写",
    )
    attachments = MultiFileField(
        label="图片或 PDF（可选，最多 5 个，每个不超过 5 MB）", required=False
    )

    def __init__(self, *args: Any, regions: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]


class StaffNeedForm(PublicNeedForm):
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.HOTLINE)
    unit = forms.TypedChoiceField(label="提出单位", coerce=int, required=False, choices=())

    field_order = ["channel", "text", "region", "submitter_kind", "unit"]

    def __init__(
        self, *args: Any, units: Sequence[tuple[Any, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *(units or [])]  # type: ignore[attr-defined]


class RateForm(forms.Form):
    rating = forms.ChoiceField(label="满意度", choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="意见（可选）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TrackForm(forms.Form):
    code = forms.CharField(label="查询码", max_length=12)


class CategoryForm(forms.Form):
    name = forms.CharField(label="类别名称", max_length=50)
    parent = forms.TypedChoiceField(label="上级类别", coerce=int, required=False, choices=())
    department = forms.TypedChoiceField(label="责任部门", coerce=int, required=False, choices=())
    deadline_workdays = forms.IntegerField(label="答复时限（工作日）", min_value=1, max_value=60)
    keywords = forms.CharField(label="关键词", max_length=300, required=False)


class DepartmentForm(forms.Form):
    key = forms.SlugField(label="部门编码", max_length=64, help_text="经办人授权时填写此编码")
    name = forms.CharField(label="部门名称", max_length=100)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


class DepartmentEditForm(forms.Form):
    name = forms.CharField(label="部门名称", max_length=100)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


class CategoryEditForm(forms.Form):
    name = forms.CharField(label="类别名称", max_length=50)
    department = forms.TypedChoiceField(
        label="责任部门", coerce=int, required=False, choices=(), empty_value=None
    )
    deadline_workdays = forms.IntegerField(label="答复时限（工作日）", min_value=1, max_value=60)
    keywords = forms.CharField(label="关键词", max_length=300, required=False)
    is_active = forms.BooleanField(label="有效", required=False)


class SettingsForm(forms.Form):
    fallback_department = forms.TypedChoiceField(
        label="兜底部门", coerce=int, required=False, choices=()
    )
    default_deadline_workdays = forms.IntegerField(
        label="默认答复时限（工作日）", min_value=1, max_value=60
    )
    remind_before_workdays = forms.IntegerField(
        label="到期前几个工作日提醒", min_value=0, max_value=10
    )
    escalate_after_workdays = forms.IntegerField(
        label="逾期几个工作日后升级到街道（0 为逾期即升级）", min_value=0, max_value=30
    )
    autoclose_after_workdays = forms.IntegerField(
        label="答复后几个工作日未评价自动办结（0 为不自动办结）", min_value=0, max_value=60
    )


class ServiceItemForm(forms.Form):
    station = forms.TypedChoiceField(label="服务站", coerce=int, choices=())
    name = forms.CharField(label="服务项目", max_length=100)
    kind = forms.CharField(label="服务类型", max_length=20, required=False)
    provider = forms.TypedChoiceField(label="提供单位", coerce=int, required=False, choices=())
    category = forms.TypedChoiceField(label="对应需求类别", coerce=int, required=False, choices=())
    description = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
