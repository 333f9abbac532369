"""Forms of the job board: they render and convert; the rules live in `services`."""

from __future__ import annotations

from django import forms

from lianjian.jobs.models import Category, Education

_TEL = {"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
_NUM = {"inputmode": "numeric"}


class PostingForm(forms.Form):
    title = forms.CharField(label="岗位名称", max_length=100)
    category = forms.ChoiceField(label="岗位类别", choices=[("", "请选择"), *Category.choices])
    description = forms.CharField(label="岗位描述", widget=forms.Textarea(attrs={"rows": 5}))
    openings = forms.IntegerField(
        label="招聘人数", min_value=1, widget=forms.NumberInput(attrs=_NUM)
    )
    pay_min = forms.IntegerField(
        label="月薪下限（元）", min_value=0, widget=forms.NumberInput(attrs=_NUM)
    )
    pay_max = forms.IntegerField(
        label="月薪上限（元）", min_value=0, widget=forms.NumberInput(attrs=_NUM)
    )
    hours = forms.CharField(label="工作时间", max_length=100, required=False)
    education = forms.ChoiceField(
        label="学历要求", choices=Education.choices, initial=Education.ANY
    )
    skills = forms.CharField(label="技能要求（用顿号或空格分隔）", max_length=300, required=False)
    age_min = forms.IntegerField(
        label="年龄下限", required=False, widget=forms.NumberInput(attrs=_NUM)
    )
    age_max = forms.IntegerField(
        label="年龄上限", required=False, widget=forms.NumberInput(attrs=_NUM)
    )
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_phone = forms.CharField(
        label="联系电话", max_length=20, widget=forms.TextInput(attrs=_TEL)
    )
    expires_on = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))
    urgent = forms.BooleanField(label="急聘", required=False)


class ResumeForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, widget=forms.TextInput(attrs=_TEL))
    birth_year = forms.IntegerField(
        label="出生年份", required=False, widget=forms.NumberInput(attrs=_NUM)
    )
    education = forms.ChoiceField(label="学历", choices=Education.choices)
    wanted_category = forms.ChoiceField(
        label="期望岗位", choices=[("", "请选择"), *Category.choices]
    )
    wanted_pay = forms.IntegerField(
        label="期望月薪（元）", required=False, min_value=0, widget=forms.NumberInput(attrs=_NUM)
    )
    skills = forms.CharField(label="技能（如：叉车、收银、电工证）", max_length=300, required=False)
    experience = forms.CharField(
        label="工作经历", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "通过"), ("return", "退回")])
    comment = forms.CharField(
        label="审核意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MoveForm(forms.Form):
    stage = forms.CharField(max_length=16)
    note = forms.CharField(label="留言", max_length=300, required=False)
    hired_on = forms.DateField(
        label="入职日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
