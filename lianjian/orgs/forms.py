"""Registry forms: they check the shape of input only; the services own the rules.

Every choice of a region, unit or Party organization is built from a scoped
queryset handed in by the view, so a forged id in POST fails validation as
"not an available choice" and nothing is written.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import QuerySet

from lianjian.core.identifiers import (
    clean_credit_code,
    clean_id_number,
    clean_mobile,
    normalize_credit_code,
    normalize_identifier,
)
from lianjian.core.pickers import PickerWidget
from lianjian.orgs.models import Member, PartyOrg, Region, Unit, UnitKind

OUT_OF_SCOPE = "所选{}不存在或不在您的管辖范围内"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoEchoInput(forms.TextInput):
    """A text box that never writes a submitted value back into the page: full ID
    numbers and phones reach HTML only through audited unmasking (S9)."""

    def format_value(self, value: Any) -> str | None:
        return None


_TOKEN_SPLIT = re.compile(r"[\s,，、;；]+")


def _identifier_or_blank(clean: Any, value: Any) -> str:
    """An optional identifier box: blank stays blank, anything else is cleaned by
    `lianjian.core.identifiers` (its ValidationError is the field's error)."""
    return clean(value) if normalize_identifier(str(value or "")) else ""


class UnitRefField(forms.Field):
    """Units chosen with the unit picker (their ids), or typed as 统一社会信用代码 or
    the unit number shown on its page; resolved only through the scoped queryset, so
    a forged or foreign id or code fails."""

    def __init__(
        self,
        queryset: QuerySet[Unit],
        *,
        multiple: bool,
        perm: str = "orgs.view_unit",
        **kwargs: Any,
    ) -> None:
        self.queryset = queryset
        self.multiple = multiple
        widget = PickerWidget(
            "orgs.unit",
            perm=perm,
            multiple=multiple,
            placeholder="输入单位名称或信用代码搜索",
            labels=self._labels,
        )
        kwargs.setdefault("help_text", "可多选" if multiple else "")
        super().__init__(widget=widget, **kwargs)

    def _labels(self, values: list[str]) -> dict[str, str]:
        ids = [int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 12]
        return {
            str(pk): name for pk, name in self.queryset.filter(pk__in=ids).values_list("pk", "name")
        }

    def prepare_value(self, value: Any) -> Any:
        if not value:
            return [] if self.multiple else ""
        items = value if isinstance(value, list | tuple) else [value]
        ids = [str(getattr(v, "pk", v)) for v in items]
        return ids if self.multiple else ids[0]

    def clean(self, value: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        tokens = [t for item in items for t in _TOKEN_SPLIT.split(str(item or "").strip()) if t]
        if not tokens:
            if self.required:
                raise forms.ValidationError("请选择单位")
            return [] if self.multiple else None
        if not self.multiple and len(tokens) > 1:
            raise forms.ValidationError("只能填写一个单位")
        found: list[Unit] = []
        for token in dict.fromkeys(tokens):
            code = normalize_credit_code(token)
            if len(code) == 18:
                lookup: dict[str, Any] = {"credit_code": code}
            elif code.isascii() and code.isdigit() and len(code) <= 12:
                lookup = {"pk": int(code)}
            else:
                raise forms.ValidationError(f"“{token}”不是统一社会信用代码或单位编号")
            unit = self.queryset.filter(**lookup).first()
            if unit is None:
                raise forms.ValidationError(f"{OUT_OF_SCOPE.format('单位')}：{token}")
            found.append(unit)
        return found if self.multiple else found[0]


def unit_field(
    queryset: QuerySet[Unit],
    label: str,
    *,
    multiple: bool,
    required: bool = False,
    perm: str = "orgs.view_unit",
) -> forms.Field:
    """A unit picker: a district holds thousands of units, too many for a select
    (5,000 options took 1.2-2.8 s and 250 KB per form page)."""
    return UnitRefField(queryset, multiple=multiple, perm=perm, label=label, required=required)


def _scoped_choice(
    queryset: QuerySet[Any],
    label: str,
    what: str,
    required: bool = True,
    *,
    widget: PickerWidget | None = None,
) -> forms.ModelChoiceField[Any]:
    return forms.ModelChoiceField(
        queryset=queryset,
        label=label,
        required=required,
        widget=widget,
        error_messages={
            "invalid_choice": OUT_OF_SCOPE.format(what),
            "required": f"请选择{what}",
        },
    )


class RegionCreateForm(forms.Form):
    """A child of a given region; the levels offered follow the district–street–community shape."""

    name = forms.CharField(label="名称", max_length=100)
    level = forms.ChoiceField(label="层级")
    area_type = forms.ChoiceField(
        label="区域类型", choices=Region.AreaType.choices, initial=Region.AreaType.RESIDENTIAL
    )
    code = forms.CharField(label="区划代码", max_length=32, required=False)

    CHILD_LEVELS = {
        Region.Level.DISTRICT: [Region.Level.STREET],
        Region.Level.STREET: [Region.Level.COMMUNITY, Region.Level.AREA],
        Region.Level.COMMUNITY: [Region.Level.AREA],
        Region.Level.AREA: [],
    }

    def __init__(self, parent: Region, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = self.CHILD_LEVELS[Region.Level(parent.level)]
        self.fields["level"].choices = [(lv.value, lv.label) for lv in levels]  # type: ignore[attr-defined]


class RegionEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    area_type = forms.ChoiceField(label="区域类型", choices=Region.AreaType.choices)
    code = forms.CharField(label="区划代码", max_length=32, required=False)


class UnitForm(forms.Form):
    name = forms.CharField(label="单位名称", max_length=200)
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=32,
        required=False,
        help_text="18位，末位校验码按 GB 32100 核对；个体户等无代码可不填",
    )
    kind = forms.ChoiceField(label="单位类别", choices=UnitKind.choices)
    industry = forms.CharField(label="所属行业", max_length=100, required=False)
    employees = forms.IntegerField(label="从业人员数", min_value=0, initial=0)
    is_above_scale = forms.BooleanField(label="规模以上企业", required=False)
    is_foreign_invested = forms.BooleanField(label="外资企业", required=False)
    region: forms.Field = forms.ModelChoiceField(queryset=Region.objects.none())
    address = forms.CharField(label="地址", max_length=200, required=False)
    liaison_name = forms.CharField(
        label="党建指导员/联络员",
        max_length=50,
        required=False,
        help_text="无党员单位的工作覆盖",
    )
    registered_on = forms.DateField(label="登记日期", required=False, widget=DATE_WIDGET)

    def __init__(self, regions: QuerySet[Region], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"] = _scoped_choice(
            regions,
            "所在区域（社区或楼宇/园区/商圈）",
            "区域",
            widget=PickerWidget(
                "orgs.region",
                perm="orgs.change_unit",
                params={"levels": "community,area"},
                placeholder="输入社区、楼宇或园区名称搜索",
            ),
        )

    def clean_credit_code(self) -> str:
        return _identifier_or_blank(clean_credit_code, self.cleaned_data.get("credit_code"))

    @staticmethod
    def initial_for(unit: Unit) -> dict[str, Any]:
        data = {name: getattr(unit, name) for name in UnitForm.base_fields if name != "region"}
        data["region"] = unit.region_id
        data["credit_code"] = unit.credit_code or ""
        return data


class PartyOrgForm(forms.Form):
    parent: forms.Field = forms.ModelChoiceField(queryset=PartyOrg.objects.none(), required=False)
    name = forms.CharField(label="组织名称", max_length=200)
    level = forms.ChoiceField(label="层级", choices=PartyOrg.Level.choices)
    formation = forms.ChoiceField(
        label="组建方式",
        choices=PartyOrg.Formation.choices,
        help_text="联合建的党组织可覆盖多个单位；单独建只覆盖一个",
    )
    org_type = forms.ChoiceField(label="组织类型", choices=PartyOrg.OrgType.choices)
    region: forms.Field = forms.ModelChoiceField(queryset=Region.objects.none())
    covered_units: forms.Field = forms.ModelMultipleChoiceField(
        queryset=Unit.objects.none(), required=False
    )
    secretary_name = forms.CharField(label="书记", max_length=50, required=False)
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE_WIDGET)

    def __init__(
        self,
        *args: Any,
        parents: QuerySet[PartyOrg] | None,
        regions: QuerySet[Region],
        units: QuerySet[Unit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if parents is None:
            # the tree position is fixed after creation (members and grants hang on the path)
            del self.fields["parent"]
        else:
            self.fields["parent"] = _scoped_choice(
                parents,
                "上级党组织",
                "上级党组织",
                False,
                widget=PickerWidget(
                    "orgs.party_org",
                    perm="orgs.change_partyorg",
                    params={"parents": "1"},
                    placeholder="输入上级党组织名称搜索",
                ),
            )
            self.fields["parent"].help_text = "不选则为顶层党组织"
        self.fields["region"] = _scoped_choice(
            regions,
            "所在区域",
            "区域",
            widget=PickerWidget("orgs.region", perm="orgs.change_partyorg"),
        )
        self.fields["covered_units"] = unit_field(
            units, "覆盖单位", multiple=True, perm="orgs.change_partyorg"
        )

    @staticmethod
    def initial_for(org: PartyOrg) -> dict[str, Any]:
        return {
            "name": org.name,
            "level": org.level,
            "formation": org.formation,
            "org_type": org.org_type,
            "region": org.region_id,
            "covered_units": list(
                org.coverages.filter(until__isnull=True).values_list("unit_id", flat=True)
            ),
            "secretary_name": org.secretary_name,
            "founded_on": org.founded_on,
        }


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号",
        max_length=32,
        widget=NoEchoInput(attrs={"autocomplete": "off"}),
        help_text="出于个人信息保护，提交未成功时需重新输入",
    )
    mobile = forms.CharField(
        label="手机号",
        max_length=32,
        required=False,
        widget=NoEchoInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    joined_on = forms.DateField(label="入党日期", required=False, widget=DATE_WIDGET)
    status = forms.ChoiceField(label="党员类别", choices=Member.Status.choices)
    party_org: forms.Field = forms.ModelChoiceField(queryset=PartyOrg.objects.none())
    workplace_unit: forms.Field = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False
    )
    residence_community: forms.Field = forms.ModelChoiceField(
        queryset=Region.objects.none(), required=False
    )
    is_floating = forms.BooleanField(label="流动党员", required=False)
    floating_to = forms.CharField(label="流入/流出地", max_length=100, required=False)
    floating_reason = forms.CharField(label="流动原因", max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        orgs: QuerySet[PartyOrg],
        units: QuerySet[Unit],
        communities: QuerySet[Region],
        instance: Member | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party_org"] = _scoped_choice(
            orgs,
            "所在党组织",
            "党组织",
            widget=PickerWidget("orgs.party_org", perm="orgs.change_member"),
        )
        self.fields["workplace_unit"] = unit_field(units, "工作单位", multiple=False)
        self.fields["residence_community"] = _scoped_choice(
            communities,
            "居住社区",
            "社区",
            False,
            widget=PickerWidget(
                "orgs.residence", perm="orgs.change_member", placeholder="输入社区名称搜索"
            ),
        )
        if instance is not None:
            # never prefilled: the full numbers leave the server only through unmasking (S9)
            from lianjian.core.masking import mask

            for name in ("id_number", "mobile"):
                field = self.fields[name]
                field.required = False
                current = mask(getattr(instance, name), name)
                field.help_text = f"当前：{current or '未填写'}；留空表示不修改"

    # 流动党员 without 流入/流出地, a join date before 18: `orgs.validation`, via the services

    def clean_id_number(self) -> str:
        # blank is "unchanged" on the edit form, and "required" is the field's own check
        return _identifier_or_blank(clean_id_number, self.cleaned_data.get("id_number"))

    def clean_mobile(self) -> str:
        return _identifier_or_blank(clean_mobile, self.cleaned_data.get("mobile"))

    @staticmethod
    def initial_for(member: Member) -> dict[str, Any]:
        return {
            "name": member.name,
            "joined_on": member.joined_on,
            "status": member.status,
            "party_org": member.party_org_id,
            "workplace_unit": member.workplace_unit_id,
            "residence_community": member.residence_community_id,
            "is_floating": member.is_floating,
            "floating_to": member.floating_to,
            "floating_reason": member.floating_reason,
        }


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label="原因", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label="我确认执行此操作", required=True)


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label="查看事由",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="必填，将记入审计日志",
        error_messages={"required": "查看完整信息须填写事由"},
    )
