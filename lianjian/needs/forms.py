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


class _NeedForm(forms.Form):
    """What every intake form asks; the rules themselves are `services.submission_problems`."""

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
        help_text="用于告知办理结果，不会公开；除匿名外必须填写。",
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": "20"}
        ),
    )
    attachments = MultiFileField(
        label="图片或 PDF（可选，最多 5 个，每个不超过 5 MB）", required=False
    )
    channel_value = Channel.ONLINE

    def __init__(self, *args: Any, regions: Sequence[Any], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]

    def clean_attachments(self) -> Any:
        """Checked here too, so a bad file is reported with every other error."""
        from lianjian.core.attachments import AttachmentError, check_attachments

        files = self.cleaned_data.get("attachments") or []
        try:
            check_attachments(files)
        except AttachmentError as exc:
            raise forms.ValidationError(str(exc)) from exc
        finally:
            for f in files:
                f.seek(0)
        return files

    def clean(self) -> dict[str, Any]:
        from lianjian.needs.services import submission_problems

        data = super().clean() or {}
        problems = submission_problems(
            channel=str(data.get("channel") or self.channel_value),
            text=self.data.get(self.add_prefix("text"), "") if self.is_bound else "",
            submitter_kind=str(data.get("submitter_kind") or ""),
            submitter_name=str(data.get("submitter_name") or ""),
            contact_phone=str(data.get("contact_phone") or ""),
            unit=self._unit_given(data),
        )
        for problem in problems:
            field = problem.field if problem.field in self.fields else "submitter_name"
            if field in self.errors:
                continue  # the field's own check already said it
            self.add_error(field, problem.message)
        return data

    def _unit_given(self, data: dict[str, Any]) -> Any:
        return None


class PublicNeedForm(_NeedForm):
    """The public phone form: residents and enterprises, no account.

    The street comes first (only streets that take needs, none preselected),
    then its communities; `regions` is grouped by street for the no-script case.
    """

    # optional for clients that post the community alone: it names its street
    street = forms.TypedChoiceField(label="所在街道", coerce=int, choices=(), required=False)
    region = forms.TypedChoiceField(label="所在社区/楼宇", coerce=int, choices=())

    field_order = ["text", "street", "region", "submitter_kind", "submitter_name", "contact_phone"]

    def __init__(
        self,
        *args: Any,
        regions: Sequence[Any],
        streets: Sequence[tuple[int, str]] = (),
        street_of: dict[int, int] | None = None,
        cascade_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, regions=[("", "请先选择街道"), *regions], **kwargs)
        self.street_of = street_of or {}
        street = self.fields["street"]
        street.choices = [("", "请选择街道"), *streets]  # type: ignore[attr-defined]
        if cascade_url:
            street.widget.attrs.update(
                {"hx-get": cascade_url, "hx-target": "#id_region", "hx-trigger": "change"}
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        street, region = data.get("street"), data.get("region")
        if street and region and self.street_of.get(region) != street:
            self.add_error("region", "所选社区不属于该街道，请重新选择")
        return data


class StaffNeedForm(_NeedForm):
    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.HOTLINE)
    unit = forms.TypedChoiceField(label="提出单位", coerce=int, required=False, choices=())

    field_order = ["channel", "text", "region", "submitter_kind", "unit"]

    def __init__(
        self, *args: Any, units: Sequence[tuple[Any, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *(units or [])]  # type: ignore[attr-defined]

    def _unit_given(self, data: dict[str, Any]) -> Any:
        # only whether one was picked: the service checks it lies in the street
        return data.get("unit") or None


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
