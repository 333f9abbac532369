"""Chinese names for audit event codes and object types (the audit page and its export).

The codes are the first argument of `audit_record` across the apps; this table
names those of the platform's apps, and an app may add or override its own
through the extension point `core.audit_labels` (a mapping of code -> label).
Object types are model labels (`orgs.unit`): their name is the model's
`verbose_name`, so a new model needs no entry here.
"""

from __future__ import annotations

from django.apps import apps

POINT = "core.audit_labels"

EVENTS: dict[str, str] = {
    # sign-in and sessions
    "auth.login": "登录成功",
    "auth.login_failed": "登录失败",
    "auth.lockout": "账户锁定",
    "auth.logout": "退出登录",
    "auth.otp_enrol": "绑定动态验证码",
    "auth.otp_verify": "动态验证码通过",
    "auth.otp_failed": "动态验证码错误",
    "auth.token_refused": "拒绝接口令牌",
    "access.denied": "拒绝访问",
    # accounts and grants
    "account.create": "创建账户",
    "account.deactivate": "停用账户",
    "account.password_change": "修改密码",
    "account.password_reset": "重置密码",
    "account.unlock": "解除锁定",
    "account.otp_reset": "重置双因素认证",
    "grant.add": "授予角色",
    "grant.remove": "撤销授权",
    "token.create": "创建接口令牌",
    "config.rotate_keys": "轮换加密密钥",
    # registries
    "region.create": "新增区域",
    "region.update": "修改区域",
    "region.deactivate": "撤销区域",
    "unit.create": "登记单位",
    "unit.update": "修改单位",
    "unit.deactivate": "注销单位",
    "unit.import": "导入单位",
    "partyorg.create": "新建党组织",
    "partyorg.update": "修改党组织",
    "partyorg.deactivate": "撤销党组织",
    "member.create": "登记党员",
    "member.update": "修改党员",
    "member.deactivate": "移出党员名册",
    "member.import": "导入党员",
    "member.unmask": "查看完整身份证号/手机号",
    "ledger.import": "导入台账",
    "ledger.import_retry": "重试导入",
    "ledger.demo_build": "生成演示数据",
    # exports
    "export.units": "导出单位",
    "export.party-orgs": "导出党组织",
    "export.members": "导出党员",
    "export.coverage": "导出覆盖统计",
    "export.coverage_units": "导出覆盖明细",
    "export.coverage_pdf": "导出覆盖统计PDF",
    "export.download": "下载导出文件",
    "export.denied": "拒绝导出",
    "export.visits": "导出走访台账",
    "audit.export": "导出审计日志",
    "audit.anchor": "审计链锚点",
    # needs
    "member.id_conflict": "身份证号码登记冲突",
    "member.id_conflict_throttled": "登记冲突过多被限制",
    "need.submit": "提交需求",
    "need.workorder_pdf": "导出需求工单PDF",
    "needs.list_export": "导出需求列表",
    "needs.stats_pdf": "导出需求统计PDF",
    "need.dispatch": "分派需求",
    "need.accept": "受理需求",
    "need.reply": "答复需求",
    "need.return": "退回需求",
    "need.transfer": "转派需求",
    "need.reject": "驳回需求",
    "need.merge": "合并需求",
    "need.rate": "评价需求",
    "need.reopen": "重新办理需求",
    "need.close": "办结需求",
    "need.remind": "临期提醒",
    "need.escalate": "超期督办",
    "need.callback": "回访需求",
    "need.attachment_download": "下载需求附件",
    "needs.category_create": "新增需求类别",
    "needs.category_update": "修改需求类别",
    "needs.department_create": "新增职能部门",
    "needs.department_update": "修改职能部门",
    "needs.department_activate": "启用职能部门",
    "needs.department_deactivate": "停用职能部门",
    "needs.station_create": "新增服务站点",
    "needs.service_item_create": "新增服务项目",
    "needs.settings_save": "保存需求设置",
    "needs.calendar_set": "设置工作日历",
    "needs.calendar_sync": "同步工作日历",
    "needs.stats_export": "导出需求统计",
    "needs.triage_retrain": "重新训练分类模型",
    # visits
    "visit.record": "登记走访",
    "visit.follow_up": "更新走访跟进",
    "visit.raise_need": "由走访提出需求",
    "cadre.create": "登记干部",
    "cadre.post_add": "添加任职",
    "cadre.post_end": "结束任职",
    # operations
    "backup.create": "备份数据库",
    "backup.drill": "恢复演练",
    "retention.run": "清理过期个人信息",
}

# areas of the codes (the part before the dot), for the page's event filter
GROUPS: dict[str, str] = {
    "auth": "登录与会话",
    "access": "访问控制",
    "account": "账户",
    "grant": "授权",
    "token": "接口令牌",
    "config": "系统配置",
    "region": "区域",
    "unit": "单位",
    "partyorg": "党组织",
    "member": "党员",
    "ledger": "台账",
    "export": "导出",
    "audit": "审计",
    "need": "需求工单",
    "needs": "需求配置",
    "visit": "走访",
    "cadre": "交叉任职",
    "backup": "备份",
    "retention": "数据保留",
    # apps that name their own codes through `core.audit_labels` (or show them by area)
    "alliance": "党建联盟",
    "project": "项目认领",
    "jobs": "招聘求职",
    "notice": "通知公告",
    "rating": "分类定级",
    "survey": "问卷调查",
    "points": "积分联盟卡",
    "activity": "活动志愿",
}

OBJECTS: dict[str, str] = {"": "—"}


def event_labels() -> dict[str, str]:
    from lianjian.core.registry import extension

    labels = dict(EVENTS)
    for contributed in extension(POINT):
        labels.update(contributed)
    return labels


def event_label(code: str, labels: dict[str, str] | None = None) -> str:
    """The Chinese name of an event code; an unknown code names its area and keeps the code."""
    labels = labels if labels is not None else event_labels()
    if code in labels:
        return labels[code]
    group = GROUPS.get(code.split(".", 1)[0])
    return f"{group}：{code}" if group else code


def object_label(object_type: str) -> str:
    if object_type in OBJECTS:
        return OBJECTS[object_type]
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def object_types_in_use() -> list[tuple[str, str]]:
    """Every model that audit rows may name, for the page's object filter."""
    return sorted(
        (
            (m._meta.label_lower, str(m._meta.verbose_name))
            for m in apps.get_models()
            if m._meta.app_config is not None and m._meta.app_config.name.startswith("lianjian.")
        ),
        key=lambda pair: pair[0],
    )
