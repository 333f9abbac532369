from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest

from lianjian.accounts.departments import department_names
from lianjian.core.pickers import PickerWidget
from lianjian.orgs.models import PartyOrg, Region

if TYPE_CHECKING:
    from lianjian.accounts.models import User


class LoginForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput)

    # one message for unknown user and wrong password (S4)
    error_message = "用户名或密码错误"

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        self.user = authenticate(
            self.request, username=data["username"].strip(), password=data["password"]
        )
        if self.user is None:
            raise forms.ValidationError(self.error_message)
        return data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="当前密码", widget=forms.PasswordInput)
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput)

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        value: str = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("当前密码不正确")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password2")
        if new and again and new != again:
            raise forms.ValidationError("两次输入的新密码不一致")
        if new:
            if new == data.get("old_password"):
                raise forms.ValidationError("新密码不能与当前密码相同")
            validate_password(new, self.user)
        return data


class OtpForm(forms.Form):
    token = forms.CharField(label="动态验证码", max_length=6, min_length=6)


class UserCreateForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50, required=False)
    home_region: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="所属区域", queryset=Region.objects.none(), empty_label=None
    )

    def __init__(self, regions: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["home_region"].widget = PickerWidget(
            "accounts.region", perm="accounts.manage_users", placeholder="输入区域名称搜索"
        )
        self.fields["home_region"].widget.choices = self.fields["home_region"].choices  # type: ignore[attr-defined]


class GrantForm(forms.Form):
    """One role on exactly one target: a region, a Party organization or a department."""

    role = forms.ChoiceField(label="角色")
    region: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="区域", queryset=Region.objects.none(), required=False
    )
    party_org: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="党组织", queryset=PartyOrg.objects.none(), required=False
    )
    department_key = forms.CharField(
        label="职能部门",
        max_length=64,
        required=False,
        widget=PickerWidget(
            "accounts.department",
            perm="accounts.manage_grants",
            placeholder="输入部门名称搜索",
            labels=department_names,
        ),
    )

    def __init__(self, regions: Any, party_orgs: Any, *args: Any, **kwargs: Any) -> None:
        from lianjian.core.roles import Role

        super().__init__(*args, **kwargs)
        # no role preselected: granting one must be a choice, never the first option
        self.fields["role"].choices = [("", "（请选择角色）"), *Role.choices]  # type: ignore[attr-defined]
        self.fields["role"].error_messages["required"] = "请选择角色"
        for name, queryset, key, what in (
            ("region", regions, "accounts.region", "区域"),
            ("party_org", party_orgs, "accounts.party_org", "党组织"),
        ):
            field = self.fields[name]
            field.queryset = queryset  # type: ignore[attr-defined]
            field.widget = PickerWidget(
                key, perm="accounts.manage_grants", placeholder=f"输入{what}名称搜索"
            )
            field.widget.choices = field.choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["department_key"] = (data.get("department_key") or "").strip()
        given = [k for k in ("region", "party_org", "department_key") if data.get(k)]
        if len(given) != 1:
            raise forms.ValidationError("请选择且只选择一个授权范围：区域、党组织或职能部门")
        return data

    def target(self) -> dict[str, Any]:
        return {
            k: v
            for k in ("region", "party_org", "department_key")
            if (v := self.cleaned_data.get(k))
        }
