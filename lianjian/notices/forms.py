from __future__ import annotations

from typing import Any

from django import forms

from lianjian.orgs.models import PartyOrg, Region


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    widget = MultiFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultiFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class NoticeForm(forms.Form):
    title = forms.CharField(label="标题", max_length=120)
    body = forms.CharField(label="正文", widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        label="发布范围", queryset=Region.objects.none(), empty_label=None
    )
    orgs: forms.ModelMultipleChoiceField[PartyOrg] = forms.ModelMultipleChoiceField(
        label="限定党组织（可不选）",
        queryset=PartyOrg.objects.none(),
        required=False,
        help_text="不选则发往发布范围内的全部单位、社区和党员账户",
    )
    publish_at = forms.DateTimeField(
        label="发布时间", required=False, widget=DATETIME, help_text="留空即立即发布"
    )
    expire_at = forms.DateTimeField(label="截止时间", required=False, widget=DATETIME)
    pinned = forms.BooleanField(label="置顶", required=False)
    attachments = MultiFileField(label="附件（图片或 PDF，最多 5 个）", required=False)

    def __init__(self, regions: Any, orgs: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["orgs"].queryset = orgs  # type: ignore[attr-defined]
