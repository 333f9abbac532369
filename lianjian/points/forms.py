"""Forms of the points desk: input shape only; the rules live in the services.

Reference fields are type-ahead pickers (`core.pickers`) over the same scoped
querysets the pickers search, so an id typed into the hidden input, forged or
outside the user's scope, fails validation with the same Chinese message as
one that does not exist (no oracle, S25).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.db.models import Model, QuerySet

from lianjian.core.pickers import PickerWidget
from lianjian.orgs.models import Member, PartyOrg, Unit
from lianjian.points.models import Merchant

_M = TypeVar("_M", bound=Model)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def picked(
    queryset: QuerySet[_M], label: str, what: str, key: str, perm: str | None = None
) -> forms.ModelChoiceField[_M]:
    """A choice among a scoped queryset, made with a type-ahead picker."""
    return forms.ModelChoiceField(
        queryset=queryset,
        label=label,
        widget=PickerWidget(key, perm=perm, placeholder=f"输入{what}名称搜索"),
        error_messages={
            "invalid_choice": f"在您的管理范围内找不到该{what}，请从搜索结果中选择",
            "required": f"请选择{what}",
        },
    )


def _text(label: str, max_length: int, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={"required": f"请填写{label}", "max_length": f"{label}过长"},
    )


class MerchantJoinForm(forms.Form):
    unit_id: forms.Field = forms.ModelChoiceField(queryset=Merchant.objects.none())
    shop_name = _text("店铺名称", 100, required=False)
    shop_address = _text("店铺地址", 200, required=False)
    category = forms.ChoiceField(label="类别", choices=Merchant.Category.choices)
    contact_name = _text("联系人", 50)
    contact_phone = _text("联系电话", 20, required=False)

    # the form's own arguments (data, initial, ...) are passed through to `forms.Form`
    def __init__(self, units: QuerySet[Unit], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_id"] = picked(units, "单位", "单位", "points.unit")
        self.fields["unit_id"].help_text = "个体工商户或企业；输入名称或统一社会信用代码搜索"
        self.fields["category"].error_messages["invalid_choice"] = "请选择商户类别"
        self.order_fields(["unit_id"])


class AgreementForm(forms.Form):
    merchant_id: forms.Field = forms.ModelChoiceField(queryset=Merchant.objects.none())
    party_org_id: forms.Field = forms.ModelChoiceField(queryset=Merchant.objects.none())
    starts_on = forms.DateField(
        label="开始日期",
        widget=DATE,
        error_messages={"required": "请填写协议期限", "invalid": "开始日期格式应为 YYYY-MM-DD"},
    )
    ends_on = forms.DateField(
        label="结束日期",
        widget=DATE,
        error_messages={"required": "请填写协议期限", "invalid": "结束日期格式应为 YYYY-MM-DD"},
    )
    gold_discount = _text("金卡折扣", 8)
    silver_discount = _text("银卡折扣", 8)

    def __init__(
        self,
        merchants: QuerySet[Merchant],
        orgs: QuerySet[PartyOrg],
        perm: str,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merchant_id"] = picked(merchants, "商户", "商户", "points.merchant", perm)
        self.fields["party_org_id"] = picked(
            orgs, "社区党组织", "社区党组织", "points.party_org", perm
        )
        self.fields["gold_discount"].widget.attrs["placeholder"] = "如 8.5"
        self.fields["silver_discount"].widget.attrs["placeholder"] = "如 9.5"
        self.order_fields(["merchant_id", "party_org_id"])


class AdjustForm(forms.Form):
    member_id: forms.Field = forms.ModelChoiceField(queryset=Merchant.objects.none())
    points = forms.IntegerField(
        label="积分（负数为扣减）",
        min_value=-100000,
        max_value=100000,
        error_messages={
            "required": "请填写积分",
            "invalid": "积分须为整数",
            "min_value": "一次最多扣减 100000 分",
            "max_value": "一次最多奖励 100000 分",
        },
    )
    reason = _text("原因", 200)

    def __init__(self, members: QuerySet[Member], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_id"] = picked(members, "党员", "党员", "points.member")
        self.fields["member_id"].widget.placeholder = "输入党员姓名搜索"
        self.order_fields(["member_id"])


def first_error(form: forms.Form) -> str:
    """The form's first message, for the desk's one-line notices."""
    for errors in form.errors.values():
        for error in errors:
            return str(error)
    return "请检查填写的内容"
