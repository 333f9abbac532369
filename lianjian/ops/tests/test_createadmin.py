"""`lianjian createadmin`: the first administrator, with a checked grant and a one-time password."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lianjian.accounts.models import User
from lianjian.core.models import AuditEvent
from lianjian.orgs.models import Region

pytestmark = pytest.mark.django_db


def test_the_first_admin_of_a_fresh_deployment(client):
    out = StringIO()
    call_command(
        "createadmin",
        "zhang.wei",
        "--role",
        "district_admin",
        "--district",
        "长宁区",
        "--create-district",
        "--display-name",
        "张伟",
        stdout=out,
    )
    text = out.getvalue()
    password = text.split("初始密码（只显示这一次）：")[1].split()[0]
    user = User.objects.get(username="zhang.wei")
    assert user.must_change_password and user.display_name == "张伟"
    grant = user.grants.get()
    assert grant.region is not None
    assert (grant.role, grant.region.name, grant.region.level) == (
        "district_admin",
        "长宁区",
        Region.Level.DISTRICT,
    )
    # the one-time password signs in, and nothing opens before it is changed
    response = client.post("/accounts/login/", {"username": "zhang.wei", "password": password})
    assert response.status_code == 302
    assert client.get("/orgs/members/").status_code in {302, 403}
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"account.create", "grant.add"} <= actions
    assert AuditEvent.objects.filter(action="grant.add", username="createadmin").exists()


def test_a_second_admin_on_the_existing_district():
    call_command(
        "createadmin",
        "a1",
        "--role",
        "district_admin",
        "--district",
        "长宁区",
        "--create-district",
        stdout=StringIO(),
    )
    call_command(
        "createadmin", "audit1", "--role", "audit_admin", "--district", "长宁区", stdout=StringIO()
    )
    assert Region.objects.filter(name="长宁区").count() == 1
    assert User.objects.get(username="audit1").grants.get().role == "audit_admin"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--role", "district_admin", "--district", "不存在区"], "没有名为“不存在区”的区"),
        (
            ["bad name!", "--role", "system_admin", "--district", "长宁区", "--create-district"],
            "用户名只能由",
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_is_left_behind(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("createadmin", *args, stdout=StringIO())
    assert not User.objects.exists()
    assert not Region.objects.exists()


def test_business_roles_are_not_offered():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("createadmin", "x", "--role", "street_staff", "--district", "长宁区")
