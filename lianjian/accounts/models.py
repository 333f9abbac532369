"""Users, role grants on subtrees, API tokens and password history."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from lianjian.accounts.usernames import normalize_username
from lianjian.core.roles import Role


class LianjianUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        # usernames are unique case-insensitively and after NFKC (S1): `ＡＤＭＩＮ` is `admin`
        return self.get(username__iexact=normalize_username(username or ""))


class User(AbstractUser):
    """A platform account. Staff see data only through their grants."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    must_change_password = models.BooleanField(default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    # the region whose administrators manage this account (set at creation)
    home_region = models.ForeignKey(
        "orgs.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属区域",
    )

    objects = LianjianUserManager()  # type: ignore[misc]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique")
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class Grant(models.Model):
    """A role held on one subtree: a region, a Party organization, a department or a unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "orgs.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    party_org = models.ForeignKey(
        "orgs.PartyOrg", on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    department_key = models.CharField(
        max_length=64, blank=True, help_text="职能部门编码（由需求模块解释）"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        target = self.region or self.party_org or self.unit or self.department_key or "-"
        return f"{self.get_role_display()} @ {target}"


class ApiToken(models.Model):
    """A bearer token for integrations; only its SHA-256 is stored.

    It expires (`API_TOKEN_DAYS`), dies with a password reset, a grant change
    or deactivation, and obeys the account checks sessions obey (S27).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()


class PasswordHistory(models.Model):
    """Previous password hashes, to refuse reuse of the last N (S2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
