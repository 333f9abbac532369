"""Forms of the alliances pages: they parse input; the rules live in services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from lianjian.alliances.models import AgreementItem, Body, Proposal, Vote
from lianjian.alliances.models.alliances import Cadence, Level, Position

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField


class ModelChoice(_ModelChoiceField):
    """A choice among rows already scoped by the view; a forged id is "not a valid choice"."""

    def __init__(self, queryset: Any, label: str, required: bool = True) -> None:
        super().__init__(queryset=queryset, label=label, required=required)
        self.error_messages["invalid_choice"] = "所选项不存在或不在您的管理范围内"


class AllianceForm(forms.Form):
    name = forms.CharField(label="联盟名称", max_length=100)
    level = forms.ChoiceField(label="层级", choices=Level.choices)
    founded_on = forms.DateField(label="成立日期", widget=DATE)
    purpose = forms.CharField(
        label="宗旨", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    charter_text = forms.CharField(
        label="章程（首版）",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )

    def __init__(self, regions: Any, units: Any, orgs: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = ModelChoice(regions, "所在区域")
        self.fields["lead_unit"] = ModelChoice(units, "牵头单位", required=False)
        self.fields["lead_party_org"] = ModelChoice(orgs, "牵头党组织", required=False)


class MemberForm(forms.Form):
    position = forms.ChoiceField(label="职务", choices=Position.choices, initial=Position.MEMBER)
    joined_on = forms.DateField(label="加入日期", widget=DATE)
    liaison_name = forms.CharField(label="联络人", max_length=50, required=False)

    def __init__(self, units: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ModelChoice(units, "单位")
        self.order_fields(["unit", "position", "joined_on", "liaison_name"])


class CharterForm(forms.Form):
    text = forms.CharField(
        label="章程全文", widget=forms.Textarea(attrs={"rows": 12}), max_length=20000
    )
    adopted_on = forms.DateField(label="通过日期", widget=DATE)

    def __init__(self, meetings: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = ModelChoice(meetings, "通过会议", required=False)


class BodyForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(
        label="类型", choices=[c for c in Body.Kind.choices if c[0] != Body.Kind.ASSEMBLY]
    )
    cadence = forms.ChoiceField(
        label="召开周期", choices=Cadence.choices, initial=Cadence.QUARTERLY
    )
    quorum_percent = forms.IntegerField(
        label="法定到会比例（%）", min_value=1, max_value=100, initial=50
    )
    majority = forms.ChoiceField(label="表决规则", choices=Body.Majority.choices)

    def __init__(self, regions: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = ModelChoice(regions, "所在区域")
        self.order_fields(["name", "kind", "region"])


class BodyMemberForm(forms.Form):
    joined_on = forms.DateField(label="加入日期", widget=DATE)

    def __init__(self, units: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ModelChoice(units, "单位")
        self.order_fields(["unit", "joined_on"])


class MeetingForm(forms.Form):
    title = forms.CharField(label="会议名称", max_length=100)
    scheduled_at = forms.DateTimeField(
        label="会议时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label="会议地点", max_length=200)
    period_start = forms.DateField(
        label="所属周期（该周期内任一天，默认会议日期）", widget=DATE, required=False
    )
    agenda = forms.CharField(
        label="议题（每行一项）",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )


class ProposalForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    content = forms.CharField(
        label="内容", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    category = forms.ChoiceField(label="类别", choices=Proposal.Category.choices)
    draft = forms.BooleanField(label="仅保存草稿", required=False)

    def __init__(self, bodies: Any, units: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"] = ModelChoice(bodies, "提交至")
        self.fields["unit"] = ModelChoice(units, "提出单位")
        self.order_fields(["body", "unit", "title", "content", "category", "draft"])


class TaskForm(forms.Form):
    title = forms.CharField(label="任务", max_length=200)
    due_on = forms.DateField(label="完成时限", widget=DATE)

    def __init__(self, units: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = ModelChoice(units, "承办单位")


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label="进度（%）", min_value=0, max_value=100)
    text = forms.CharField(
        label="进展说明", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    file = forms.FileField(label="照片或 PDF（可选）", required=False)
    done = forms.BooleanField(label="已完成，提请核验", required=False)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label="表决", choices=Vote.Choice.choices, widget=forms.RadioSelect)


class AgreementForm(forms.Form):
    title = forms.CharField(label="协议名称", max_length=100)
    signed_on = forms.DateField(label="签订日期", widget=DATE)
    starts_on = forms.DateField(label="期限起", widget=DATE)
    ends_on = forms.DateField(label="期限止", widget=DATE)
    items = forms.CharField(
        label="承诺事项（每行一项：社区方/单位方 资源/服务/项目 内容）",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
    )

    def __init__(self, regions: Any, orgs: Any, units: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = ModelChoice(regions, "社区/街道")
        self.fields["party_org"] = ModelChoice(orgs, "签约党组织")
        self.fields["unit"] = ModelChoice(units, "共建单位")
        self.order_fields(["region", "party_org", "unit", "title"])

    def clean_items(self) -> list[tuple[str, str, str]]:
        sides = {label: value for value, label in AgreementItem.Side.choices}
        kinds = {label: value for value, label in AgreementItem.Kind.choices}
        out = []
        for n, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            parts = line.split(maxsplit=2)
            if not parts:
                continue
            if len(parts) < 3 or parts[0] not in sides or parts[1] not in kinds:
                raise forms.ValidationError(f"第 {n} 行格式应为“社区方 资源 内容”")
            out.append((sides[parts[0]], kinds[parts[1]], parts[2]))
        return out
