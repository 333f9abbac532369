"""Demo notices: the street's and the district's, one narrowed to a building's
joint branch, with a few read receipts (written through the services)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lianjian.core.demo import DemoContext
from lianjian.notices.models import Notice
from lianjian.notices.services import notice_mark_read, notice_publish

# (publisher login, region key in ctx.objects["changning"], title, body, pinned, narrowed to)
NOTICES = (
    (
        "street",
        "hq",
        "关于报送两新组织党建工作年度台账的通知",
        "各社区党组织、各楼宇联合党支部：\n请于本月底前核对本单位两新组织台账，"
        "更新党员人数、党组织建立情况和联络员信息，并在平台“台账导入”中提交。",
        True,
        None,
    ),
    (
        "district",
        "district",
        "做好年末党员组织关系排查工作的通知",
        "各街道党工委：\n请组织辖区党组织开展年末党员组织关系排查，"
        "重点核实流动党员去向和联系方式，排查结果于下月五日前报区委组织部。",
        False,
        None,
    ),
    (
        "street",
        "hq",
        "东银中心楼宇党建联席会议通知",
        "东银中心楼宇联合党支部：\n本周五下午两点在楼宇党群服务站召开联席会议，"
        "请各入驻企业党员代表准时参加。",
        False,
        "joint",
    ),
)
# (reader login, index into NOTICES)
READS = (("hongchu", 0), ("hongxian", 0), ("member", 1), ("dongyin", 2))


def build(ctx: DemoContext) -> None:
    cn = ctx.objects["changning"]
    now = timezone.now()
    published: list[Notice] = []
    for i, (login, region_key, title, body, pinned, org_key) in enumerate(NOTICES):
        published.append(
            notice_publish(
                actor=ctx.objects[f"users.{login}"],
                title=title,
                body=body,
                region=cn[region_key],
                orgs=[cn[org_key]] if org_key else [],
                publish_at=now - dt.timedelta(days=len(NOTICES) - i),
                pinned=pinned,
            )
        )
    for login, index in READS:
        notice_mark_read(published[index], user=ctx.objects[f"users.{login}"])
    ctx.objects["notices"] = published
    ctx.counts["notices"] = len(published)
    ctx.summaries["notices"] = f"通知公告 {len(published)} 条，阅读回执 {len(READS)} 条"
