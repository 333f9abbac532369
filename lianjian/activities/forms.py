"""Forms of the activities pages; every rule beyond shape lives in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from lianjian.activities.models import Audience, Kind, Team
from lianjian.orgs.models import PartyOrg, Region

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class JoinForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    skills = forms.CharField(label="特长（可选）", max_length=200, required=False)
    consent = forms.BooleanField(
        label="我已阅读并同意：平台为组织志愿服务记录我的姓名、报名、签到和服务时长，"
        "仅组织者和所在社区可见；我可以随时撤回同意。",
        required=True,
        error_messages={"required": "参加志愿服务须先同意个人信息使用说明"},
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Kind.choices)
    title = forms.CharField(label="活动名称", max_length=100)
    organizer_org: forms.ModelChoiceField[PartyOrg] = forms.ModelChoiceField(
        label="主办党组织", queryset=PartyOrg.objects.none(), required=False
    )
    organizer_team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label="或：主办志愿服务队", queryset=Team.objects.none(), required=False
    )
    joint_orgs: forms.ModelMultipleChoiceField[PartyOrg] = forms.ModelMultipleChoiceField(
        label="联组党组织（主题党日联合开展）", queryset=PartyOrg.objects.none(), required=False
    )
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DT_FORMATS)
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DT_FORMATS)
    place = forms.CharField(label="地点", max_length=200, required=False)
    audience = forms.ChoiceField(label="面向", choices=Audience.choices)
    capacity = forms.IntegerField(label="名额（不限请留空）", min_value=1, required=False)
    signup_deadline = forms.DateTimeField(
        label="报名截止（默认活动开始）", widget=DATETIME, input_formats=DT_FORMATS, required=False
    )
    description = forms.CharField(label="活动内容", widget=forms.Textarea, required=False)
    publish = forms.BooleanField(label="立即发布", required=False, initial=True)

    def __init__(
        self, *args: Any, orgs: QuerySet[PartyOrg], teams: QuerySet[Team], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizer_org"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["joint_orgs"].queryset = orgs  # type: ignore[attr-defined]
        self.fields["organizer_team"].queryset = teams  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    name = forms.CharField(label="队伍名称", max_length=100)
    skills = forms.CharField(label="服务特长", max_length=200, required=False)


class HoursLogForm(forms.Form):
    on = forms.DateField(label="服务日期", widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label="时长（小时）", min_value=0.1, max_value=24, decimal_places=1)
    description = forms.CharField(label="服务内容", max_length=200)


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class VenueForm(forms.Form):
    name = forms.CharField(label="场地名称", max_length=100)
    region: forms.ModelChoiceField[Region] = forms.ModelChoiceField(
        label="所在社区或街道（选了管理党组织可不填）",
        queryset=Region.objects.none(),
        required=False,
    )
    owner_org: forms.ModelChoiceField[PartyOrg] = forms.ModelChoiceField(
        label="管理党组织（单位场地）", queryset=PartyOrg.objects.none(), required=False
    )
    address = forms.CharField(label="地址", max_length=200, required=False)
    capacity = forms.IntegerField(label="容纳人数", min_value=1, max_value=100000, initial=20)
    opens_at = forms.TimeField(label="开放时间", widget=TIME, initial="08:00")
    closes_at = forms.TimeField(label="关闭时间", widget=TIME, initial="21:00")
    is_active = forms.BooleanField(label="开放预约", required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        regions: QuerySet[Region],
        orgs: QuerySet[PartyOrg],
        editing: bool = False,
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["owner_org"].queryset = orgs  # type: ignore[attr-defined]
        if editing:  # a venue stays where it is
            del self.fields["region"]


class CourseForm(forms.Form):
    title = forms.CharField(label="课程名称", max_length=100)
    organizer_org: forms.ModelChoiceField[PartyOrg] = forms.ModelChoiceField(
        label="主办党组织", queryset=PartyOrg.objects.none()
    )
    description = forms.CharField(label="课程简介", widget=forms.Textarea, required=False)
    is_open = forms.BooleanField(
        label="对全区开放（各联盟单位党员都可学习）", required=False, initial=True
    )

    def __init__(
        self, *args: Any, orgs: QuerySet[PartyOrg], editing: bool = False, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["organizer_org"].queryset = orgs  # type: ignore[attr-defined]
        if editing:
            del self.fields["organizer_org"]


class LectureForm(forms.Form):
    title = forms.CharField(label="讲座题目", max_length=100)
    teacher = forms.CharField(label="主讲人", max_length=100)
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DT_FORMATS)
    minutes = forms.IntegerField(label="时长（分钟）", min_value=10, max_value=480, initial=90)
    place = forms.CharField(label="地点", max_length=200)
    capacity = forms.IntegerField(label="名额（不限请留空）", min_value=1, required=False)


class ELessonForm(forms.Form):
    title = forms.CharField(label="课题", max_length=100)
    teacher = forms.CharField(label="主讲人", max_length=100, required=False)
    body = forms.CharField(label="内容", widget=forms.Textarea, max_length=20000)
    minutes = forms.IntegerField(label="时长（分钟）", min_value=1, max_value=60, initial=5)
    video = forms.FileField(label="视频（MP4，可选，不超过 50 MB）", required=False)
