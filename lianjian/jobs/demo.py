"""Demo rows of the job board: seed 003's 拉勾计划 in 烟台开发区, and the demo logins' own.

The zone's 21 communities (built by orgs) get 300 enterprises with postings
across the year and 1,200 residents with resumes; exactly 350 residents
were hired, by 80 enterprises (seed 003). Every figure the report shows is
counted from these rows. In 长宁区 the demo recruiter's unit has a live and
a pending posting, and the demo member (虹储) an approved resume and an
application, so each login finds its own work.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from lianjian.core.demo import DemoContext, DemoFigure
from lianjian.jobs import matching
from lianjian.jobs.models import Application, ApplicationEvent, Posting, Resume
from lianjian.orgs.models import Region, Unit, UnitKind
from lianjian.orgs.services import unit_create

ENTERPRISES = 300
RESIDENTS = 1200
HIRES = 350
HIRING_ENTERPRISES = 80

# (category, title, skills, description) the demo postings and resumes draw from
JOBS: tuple[tuple[str, str, str, str], ...] = (
    (
        "manufacturing",
        "装配操作工",
        "装配 质检 流水线",
        "在家电生产线上完成零部件装配与自检，适应两班倒。",
    ),
    (
        "manufacturing",
        "数控车床操作员",
        "数控 车床 图纸",
        "按图纸操作数控车床加工零件，有操作证优先。",
    ),
    ("logistics", "仓库管理员", "叉车 仓储 盘点", "负责港区仓库收发货、盘点和叉车作业。"),
    ("logistics", "快递分拣员", "分拣 装卸", "园区快递中转站分拣与装卸。"),
    ("service", "物业客服", "接待 沟通 电脑", "社区物业前台接待、报修登记与回访。"),
    ("retail", "超市收银员", "收银 理货", "连锁超市收银、理货与会员服务。"),
    ("care", "养老护理员", "护理 照护 证书", "社区养老服务站照护老人，持护理员证优先。"),
    ("catering", "厨师助理", "切配 烹饪", "企业食堂切配与烹饪辅助。"),
    ("office", "行政文员", "办公软件 档案", "文件收发、档案整理和会务服务。"),
    ("tech", "设备维修电工", "电工证 维修 电气", "厂区设备日常巡检与电气维修，持电工证。"),
)


def _ids(region: Region) -> dict[str, Any]:
    return region.ancestor_ids()


def _enterprises(ctx: DemoContext, communities: list[Region], code: str) -> list[Unit]:
    units = []
    for i in range(ENTERPRISES):
        community = communities[i % len(communities)]
        units.append(
            unit_create(
                region=community,
                name=f"烟台{community.name[:-2]}{'科技实业物流制造食品服务'[i % 6 * 2 : i % 6 * 2 + 2]}第{i + 1}公司",
                kind=UnitKind.PRIVATE_ENTERPRISE,
                credit_code=ctx.people.credit_code(code),
                employees=20 + (i * 37) % 800,
            )
        )
    ctx.counts["units"] += len(units)
    return units


def _posting(
    unit: Unit, job: tuple[str, str, str, str], rng: random.Random, today: dt.date, **kw: Any
) -> Posting:
    category, title, skills, description = job
    published = timezone.now() - dt.timedelta(days=rng.randint(0, 330))
    pay_min = 3500 + rng.randint(0, 8) * 250
    row = Posting(
        unit=unit,
        title=title,
        description=description,
        category=category,
        openings=rng.randint(2, 10),
        pay_min=pay_min,
        pay_max=pay_min + 1500 + rng.randint(0, 4) * 500,
        hours="8:00–17:00" if rng.random() < 0.6 else "两班倒",
        education="any" if rng.random() < 0.5 else "high",
        skills=skills,
        contact_name="人事部",
        contact_phone=f"139{rng.randint(0, 99_999_999):08d}",
        expires_on=today + dt.timedelta(days=rng.randint(10, 90)),
        status=Posting.Status.APPROVED,
        published_at=published,
        reviewed_at=published,
        **{k: v for k, v in _ids(unit.region).items()},
    )
    for name, value in kw.items():
        setattr(row, name, value)
    row.terms = matching.posting_terms(row)
    return row


def _resume(
    ctx: DemoContext,
    community: Region,
    job: tuple[str, str, str, str],
    rng: random.Random,
    **kw: Any,
) -> Resume:
    category, title, skills, _ = job
    row = Resume(
        region=community,
        name=ctx.people.name(),
        phone=ctx.people.mobile(),
        birth_year=rng.randint(1968, 2004),
        education=rng.choice(["junior", "high", "high", "college", "bachelor"]),
        skills=skills,
        experience=f"做过{rng.randint(1, 12)}年{title}。",
        wanted_category=category,
        wanted_pay=4000 + rng.randint(0, 8) * 500,
        status=Resume.Status.APPROVED,
        reviewed_at=timezone.now(),
        **_ids(community),
    )
    for name, value in kw.items():
        setattr(row, name, value)
    if row.discoverable:
        row.consent_version, row.consent_at = "2026-12", timezone.now()
    row.terms = matching.resume_terms(row)
    return row


def _hire_plan() -> list[int]:
    """Hires per hiring enterprise: 350 over 80 (30 enterprises hire five, 50 hire four)."""
    base, extra = divmod(HIRES, HIRING_ENTERPRISES)
    return [base + 1 if i < extra else base for i in range(HIRING_ENTERPRISES)]


def _build_yantai(ctx: DemoContext) -> dict[str, int]:
    yantai = ctx.objects["yantai"]
    communities: list[Region] = yantai["communities"]
    rng = random.Random(3003)  # noqa: S311 - reproducible demo data
    today = timezone.localdate()
    units = _enterprises(ctx, communities, yantai["id_region_code"])
    # every enterprise has posted; those that hire post one urgent (急聘) opening per five hires
    plan = _hire_plan()
    postings: list[Posting] = []
    hiring_postings: list[tuple[Posting, int]] = []
    for i, unit in enumerate(units):
        job = JOBS[i % len(JOBS)]
        if i < HIRING_ENTERPRISES:
            row = _posting(unit, job, rng, today, urgent=True, openings=plan[i])
            hiring_postings.append((row, plan[i]))
        else:
            row = _posting(unit, job, rng, today)
        postings.append(row)
        if i % 3 == 0:  # an older posting that has closed
            postings.append(
                _posting(
                    unit,
                    JOBS[(i + 3) % len(JOBS)],
                    rng,
                    today,
                    status=Posting.Status.EXPIRED,
                    expires_on=today - dt.timedelta(days=rng.randint(5, 200)),
                )
            )
    pending = [
        _posting(
            units[-1 - k], JOBS[k], rng, today, status=Posting.Status.SUBMITTED, published_at=None
        )
        for k in range(4)
    ]
    Posting.objects.bulk_create(postings + pending, batch_size=500)
    resumes = []
    for i in range(RESIDENTS):
        community = communities[i % len(communities)]
        status = Resume.Status.SUBMITTED if i % 40 == 39 else Resume.Status.APPROVED
        resumes.append(
            _resume(
                ctx,
                community,
                JOBS[i % len(JOBS)],
                rng,
                status=status,
                discoverable=status == "approved" and i % 5 < 3,
            )
        )
    Resume.objects.bulk_create(resumes, batch_size=500)
    approved = [r for r in resumes if r.status == Resume.Status.APPROVED]
    applications: list[Application] = []
    taken = 0
    for posting, hires in hiring_postings:
        for _ in range(hires):
            resume = approved[taken]
            taken += 1
            applications.append(
                Application(
                    posting=posting,
                    resume=resume,
                    unit_id=posting.unit_id,
                    stage="hired",
                    hired_on=today - dt.timedelta(days=rng.randint(0, 300)),
                    **_ids(posting.unit.region),
                )
            )
    # residents still looking: applications in every earlier stage
    live = [p for p in postings if p.status == Posting.Status.APPROVED]
    for k, resume in enumerate(approved[taken : taken + 400]):
        posting = live[(k * 7) % len(live)]
        stage = ("applied", "viewed", "interview", "offer", "declined")[k % 5]
        applications.append(
            Application(
                posting=posting,
                resume=resume,
                unit_id=posting.unit_id,
                stage=stage,
                **_ids(posting.unit.region),
            )
        )
    Application.objects.bulk_create(applications, batch_size=500)
    ApplicationEvent.objects.bulk_create(
        [ApplicationEvent(application=a, stage=a.stage) for a in applications], batch_size=1000
    )
    return {"postings": len(postings) + len(pending), "resumes": len(resumes), "hires": taken}


def _build_logins(ctx: DemoContext) -> None:
    """The demo recruiter's own postings; the demo member's resume and one application."""
    cn = ctx.objects["changning"]
    recruiter = ctx.objects.get("users.recruiter")
    member = ctx.objects.get("users.member")
    unit: Unit = cn["recruiter_unit"]
    rng = random.Random(3004)  # noqa: S311 - reproducible demo data
    today = timezone.localdate()
    live = _posting(unit, JOBS[2], rng, today, created_by=recruiter, urgent=True)
    pending = _posting(
        unit,
        JOBS[8],
        rng,
        today,
        created_by=recruiter,
        status=Posting.Status.SUBMITTED,
        published_at=None,
    )
    live.save()
    pending.save()
    if member is None:
        return
    hongchu: Region = cn["hongchu"]
    resume = _resume(
        ctx,
        hongchu,
        JOBS[2],
        rng,
        user=member,
        name=member.display_name,
        discoverable=True,
        education="college",
    )
    resume.save()
    application = Application.objects.create(
        posting=live, resume=resume, unit_id=unit.pk, stage="viewed", **_ids(unit.region)
    )
    ApplicationEvent.objects.bulk_create(
        [ApplicationEvent(application=application, stage=s) for s in ("applied", "viewed")]
    )
    matching.match_posting(live)
    matching.match_resume(resume)


def _yantai_report() -> Any:
    from lianjian.accounts.models import User
    from lianjian.jobs.selectors import report

    return report(User.objects.get(username="demo_yantai"))


def _figure(name: str) -> Callable[[], Any]:
    def read() -> Any:
        data = _yantai_report()
        return {
            "hires": data.total.hires if data.total else 0,
            "enterprises_hiring": data.enterprises_hiring,
            "enterprises": data.total.enterprises if data.total else 0,
        }[name]

    return read


# seed 003's 拉勾计划, read back through the jobs report as the 烟台开发区 login sees it
FIGURES = (
    DemoFigure("jobs.hires", "拉勾计划入职人数", HIRES, _figure("hires")),
    DemoFigure(
        "jobs.enterprises_hiring", "有入职的企业", HIRING_ENTERPRISES, _figure("enterprises_hiring")
    ),
    DemoFigure("jobs.enterprises", "发布岗位的企业", ENTERPRISES, _figure("enterprises")),
)


def build(ctx: DemoContext) -> None:
    counts = _build_yantai(ctx)
    _build_logins(ctx)
    ctx.summaries["jobs"] = (
        f"拉勾计划：岗位 {counts['postings']}，简历 {counts['resumes']}，"
        f"入职 {counts['hires']} 人（{HIRING_ENTERPRISES} 家企业）"
    )
