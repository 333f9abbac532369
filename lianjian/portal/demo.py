"""The demo build: each app's builder in a declared order, then the demo logins.

Every builder writes through its app's own services, so demo rows look
exactly like real ones. A rebuild deletes the previous demo (the `demo_`
accounts, both demo districts and every row scoped to them) but never the
audit trail, which is append-only: the new build's events are appended.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.accounts.services import grant_add
from lianjian.activities import demo as activities_demo
from lianjian.alliances import demo as alliances_demo
from lianjian.core.audit import audit_record, system_actor
from lianjian.core.demo import DemoContext, DemoLogin, PeopleFactory, force_delete
from lianjian.core.notifications import outside_channels_muted
from lianjian.core.roles import Role
from lianjian.jobs import demo as jobs_demo
from lianjian.needs import demo as needs_demo
from lianjian.notices import demo as notices_demo
from lianjian.orgs import coverage_demo
from lianjian.orgs import demo as orgs_demo
from lianjian.orgs.models import Member, Unit
from lianjian.points import demo as points_demo
from lianjian.projects import demo as projects_demo
from lianjian.ratings import demo as ratings_demo
from lianjian.surveys import demo as surveys_demo
from lianjian.visits import demo as visits_demo

DEMO_USER_PREFIX = "demo_"
# Evaluation only: the demo command refuses to run in production, and the
# README says these logins must never exist on a real deployment.
DEFAULT_DEMO_PASSWORD = "Lianjian-Demo-2026"


def _base_logins(ctx: DemoContext) -> None:
    """One login per role; the member login is linked to a member of 虹储居民区."""
    cn = ctx.objects["changning"]
    cy = ctx.objects["chaoyang"]
    # 烟台开发区 (seed 003) is built by orgs; its merchants and enterprises by later apps
    recruiter_unit: Unit = cn["recruiter_unit"]
    dept_key: str = ctx.objects["needs.dept_key"]
    table: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("district", "区委组织部演示", Role.DISTRICT_ADMIN, "长宁区", {"region": cn["district"]}),
        ("street", "虹桥街道演示", Role.STREET_STAFF, "虹桥街道", {"region": cn["hq"]}),
        ("hongchu", "虹储书记演示", Role.COMMUNITY_SECRETARY, "虹储居民区", {"region": cn["hongchu"]}),
        ("hongxian", "虹仙书记演示", Role.COMMUNITY_SECRETARY, "虹仙居民区", {"region": cn["hongxian"]}),
        ("dongyin", "东银联合支部演示", Role.UNIT_ADMIN, "东银中心楼宇联合党支部", {"party_org": cn["joint"]}),
        ("dept", "民政科演示", Role.DEPT_HANDLER, "虹桥街道民政科", {"department_key": dept_key}),
        ("member", "党员演示", Role.MEMBER, "本人（虹储居民区）", {"region": cn["hongchu"]}),
        ("merchant", "商户演示", Role.MERCHANT, "虹储居民区", {"region": cn["hongchu"]}),
        ("recruiter", "招聘演示", Role.RECRUITER, recruiter_unit.name, {"unit": recruiter_unit}),
        ("sysadmin", "系统管理员演示", Role.SYSTEM_ADMIN, "长宁区", {"region": cn["district"]}),
        ("security", "安全管理员演示", Role.SECURITY_ADMIN, "长宁区", {"region": cn["district"]}),
        ("audit", "审计管理员演示", Role.AUDIT_ADMIN, "长宁区", {"region": cn["district"]}),
        ("balizhuang", "八里庄街道演示", Role.STREET_STAFF, "八里庄街道（北京朝阳）", {"region": cy["street"]}),
        ("yantai", "烟台开发区演示", Role.DISTRICT_ADMIN, "烟台开发区", {"region": ctx.objects["yantai"]["district"]}),
    ]  # fmt: skip
    for username, display_name, role, scope, target in table:
        user = ctx.add_login(username, display_name, role, scope, **target)
        ctx.objects[f"users.{username}"] = user
        if role == Role.MEMBER:
            profile: Member = cn["hongchu_member"]
            profile.user = user
            profile.save(update_fields=["user"])


# The builders in the order they run; each reads what the ones before it published.
BUILDERS: list[tuple[str, Callable[[DemoContext], None]]] = [
    ("orgs", orgs_demo.build),
    ("needs", needs_demo.build),
    ("logins", _base_logins),
    ("visits", visits_demo.build),
    ("projects", projects_demo.build),
    ("needs.work", needs_demo.build_work),
    ("alliances", alliances_demo.build),
    ("ledger", coverage_demo.build),
    ("jobs", jobs_demo.build),
    ("notices", notices_demo.build),
    ("points", points_demo.build),
    ("ratings", ratings_demo.build),
    ("surveys", surveys_demo.build),
    ("activities", activities_demo.build),
]


@dataclass
class DemoResult:
    logins: list[DemoLogin] = field(default_factory=list)
    password: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    # builder name -> one Chinese line for the command's output
    summaries: dict[str, str] = field(default_factory=dict)


def demo_clear() -> int:
    """Delete the demo accounts, both demo districts and everything scoped to them."""
    force_delete(User.objects.filter(username__startswith=DEMO_USER_PREFIX))
    return orgs_demo.demo_clear()


def _login_maker(ctx: DemoContext) -> Callable[..., User]:
    # One hash for all: the password is shared and published anyway, and the
    # slow hasher would otherwise dominate the build time.
    password_hash = make_password(ctx.password)

    def login(username: str, display_name: str, role: str, scope: str, **target: Any) -> User:
        """A demo account that is not forced to change its password (evaluation only)."""
        user = User(
            username=DEMO_USER_PREFIX + username,
            display_name=display_name,
            must_change_password=False,
            password_changed_at=timezone.now(),
            password=password_hash,
        )
        user.save()
        audit_record("account.create", obj=user, detail={"username": user.username, "demo": True})
        grant_add(user, role, **target)
        ctx.logins.append(DemoLogin(user.username, Role(role).label, scope, display_name))
        return user

    return login


def demo_build(
    *, password: str = DEFAULT_DEMO_PASSWORD, with_ledger: bool = False, seed: int = 20171231
) -> DemoResult:
    """Delete any previous demo and build it anew; returns the logins and row counts."""
    ctx = DemoContext(people=PeopleFactory(seed), password=password, with_ledger=with_ledger)
    ctx.login = _login_maker(ctx)
    # the demo's residents are fictitious: in-app notifications only, no SMS or e-mail
    with transaction.atomic(), system_actor("系统：演示数据"), outside_channels_muted():
        demo_clear()
        for _name, builder in BUILDERS:
            builder(ctx)
    return DemoResult(
        logins=ctx.logins, password=password, counts=dict(ctx.counts), summaries=ctx.summaries
    )
