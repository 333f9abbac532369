"""The columns of the registries' ledger kinds: canonical header, accepted variants,
value type, and the spellings real ledgers use for each enumeration (ADR 0011)."""

from __future__ import annotations

from lianjian.core.ledger_kinds import EXAMPLE_MARK, Column, enum_map
from lianjian.orgs.models import Member, PartyOrg, UnitKind

UNIT_KINDS = enum_map(
    UnitKind,
    {
        "党政机关": UnitKind.GOVERNMENT,
        "事业": UnitKind.INSTITUTION,
        "国企": UnitKind.STATE_ENTERPRISE,
        "国有": UnitKind.STATE_ENTERPRISE,
        "非公有制企业": UnitKind.PRIVATE_ENTERPRISE,
        "民营企业": UnitKind.PRIVATE_ENTERPRISE,
        "私营企业": UnitKind.PRIVATE_ENTERPRISE,
        "外资企业": UnitKind.PRIVATE_ENTERPRISE,
        "新经济组织": UnitKind.PRIVATE_ENTERPRISE,
        "新社会组织": UnitKind.SOCIAL_ORG,
        "民办非企业单位": UnitKind.SOCIAL_ORG,
        "社会团体": UnitKind.SOCIAL_ORG,
        "个体户": UnitKind.INDIVIDUAL_BUSINESS,
        "社区团队": UnitKind.COMMUNITY_TEAM,
        "群众团队": UnitKind.COMMUNITY_TEAM,
    },
)
ORG_LEVELS = enum_map(PartyOrg.Level, {"总支": "general_branch", "支部": "branch"})
ORG_FORMATIONS = enum_map(
    PartyOrg.Formation,
    {"单建": "single", "独立组建": "single", "联建": "joint", "临时": "temporary"},
)
ORG_TYPES = enum_map(
    PartyOrg.OrgType,
    {
        "独立建制": "independent",
        "楼宇联合型": "building_joint",
        "园区联合型": "park_joint",
        "行业型": "industry",
        "商圈市场联合型": "market_joint",
        "区域兜底型": "regional",
    },
)
MEMBER_STATUSES = enum_map(Member.Status, {"正式": "full", "预备": "probationary"})
GENDERS = enum_map(Member.Gender, {"男性": "M", "女性": "F"})

REGION = Column(
    "region",
    "所在区域",
    "ref",
    required=True,
    aliases=("所属区域", "所在社区", "所属社区", "区域", "所在街道社区", "所属楼宇园区"),
    note="填写区域名称（如“虹储居民区”）；重名时写成“街道/社区”",
)

UNIT_COLUMNS = (
    Column(
        "name",
        "单位名称",
        "text",
        required=True,
        aliases=("名称", "单位全称", "企业名称", "组织名称"),
    ),
    Column(
        "credit_code",
        "统一社会信用代码",
        "code",
        aliases=("信用代码", "社会信用代码", "统一信用代码", "统一代码"),
        note="18位，末位校验码须正确；个体工商户、社区活动团队可空；该列须为文本格式",
        text_only=True,
    ),
    Column(
        "kind",
        "单位类别",
        "enum",
        required=True,
        aliases=("单位类型", "类别", "类型"),
        choices=UNIT_KINDS,
        options=tuple(UnitKind.labels),
        note="、".join(UnitKind.labels),
    ),
    Column("industry", "所属行业", "text", aliases=("行业",)),
    Column("employees", "从业人员数", "int", aliases=("从业人数", "职工人数", "员工人数", "人数")),
    Column(
        "is_above_scale",
        "规模以上",
        "bool",
        aliases=("是否规模以上", "规上企业", "规模以上企业"),
        note="是/否",
    ),
    Column("is_foreign_invested", "外资", "bool", aliases=("是否外资", "外资企业"), note="是/否"),
    REGION,
    Column("address", "地址", "text", aliases=("单位地址", "注册地址", "经营地址")),
    Column(
        "liaison_name",
        "党建指导员/联络员",
        "text",
        aliases=("党建指导员", "联络员", "党建联络员", "指导员"),
    ),
    Column("registered_on", "登记日期", "date", aliases=("成立日期", "注册日期", "设立日期")),
    Column("deregistered_on", "注销日期", "date", aliases=("撤销日期",)),
)

PARTY_ORG_COLUMNS = (
    Column("name", "组织名称", "text", required=True, aliases=("党组织名称", "名称", "党组织全称")),
    Column(
        "level",
        "层级",
        "enum",
        required=True,
        aliases=("组织层级", "组织类别", "党组织类别"),
        choices=ORG_LEVELS,
        options=tuple(PartyOrg.Level.labels),
        note="、".join(PartyOrg.Level.labels),
    ),
    Column(
        "formation",
        "组建方式",
        "enum",
        aliases=("组建形式", "建立方式"),
        choices=ORG_FORMATIONS,
        options=tuple(PartyOrg.Formation.labels),
        note="、".join(PartyOrg.Formation.labels),
    ),
    Column(
        "org_type",
        "组织类型",
        "enum",
        aliases=("党组织类型",),
        choices=ORG_TYPES,
        options=tuple(PartyOrg.OrgType.labels),
        note="、".join(PartyOrg.OrgType.labels),
    ),
    REGION,
    Column(
        "parent",
        "上级党组织",
        "ref",
        aliases=("上级组织", "隶属党组织", "上级党组织名称"),
        note="已登记或本表前面行中的党组织名称",
    ),
    Column("secretary_name", "书记", "text", aliases=("书记姓名", "党组织书记")),
    Column("founded_on", "成立日期", "date", aliases=("建立日期", "组建日期")),
    Column("dissolved_on", "撤销日期", "date"),
    Column(
        "covered_units",
        "覆盖单位",
        "ref",
        aliases=("覆盖单位信用代码", "覆盖单位统一社会信用代码", "所覆盖单位"),
        note="覆盖单位的统一社会信用代码或名称，多个用“；”分隔",
    ),
)

MEMBER_COLUMNS = (
    Column("name", "姓名", "text", required=True, aliases=("党员姓名",)),
    Column(
        "id_number",
        "身份证号",
        "code",
        required=True,
        aliases=("身份证号码", "公民身份号码", "身份证", "证件号码", "居民身份证号"),
        note="18位，末位校验码须正确；该列须为文本格式",
        text_only=True,
    ),
    Column("mobile", "手机号", "code", aliases=("手机号码", "联系电话", "手机", "联系方式")),
    Column("joined_on", "入党日期", "date", aliases=("入党时间",)),
    Column(
        "status",
        "党员类别",
        "enum",
        aliases=("党员类型", "类别", "人员类别"),
        choices=MEMBER_STATUSES,
        options=tuple(Member.Status.labels),
        note="正式党员、预备党员",
    ),
    Column(
        "party_org",
        "所在党组织",
        "ref",
        required=True,
        aliases=("所在支部", "党组织", "所属党组织", "所在党支部"),
        note="已登记的党组织名称",
    ),
    Column(
        "workplace_unit",
        "工作单位",
        "ref",
        aliases=("工作单位信用代码", "所在单位"),
        note="单位的统一社会信用代码或名称",
    ),
    Column(
        "residence_community", "居住社区", "ref", aliases=("居住地", "现居住社区", "居住居民区")
    ),
    Column(
        "gender",
        "性别",
        "enum",
        choices=GENDERS,
        options=tuple(Member.Gender.labels),
        note="男、女；须与身份证号第17位一致，可不填（按身份证号）",
    ),
    Column("is_floating", "流动党员", "bool", aliases=("是否流动党员",), note="是/否"),
    Column("floating_to", "流入/流出地", "text", aliases=("流动去向", "流入地", "流出地")),
    Column("floating_reason", "流动原因", "text"),
)

COLUMNS = {"units": UNIT_COLUMNS, "party-orgs": PARTY_ORG_COLUMNS, "members": MEMBER_COLUMNS}
# a visible sheet whose title holds one of these is read first (“党员台账”, “两新组织名录”)
SHEET_WORDS = {
    "units": ("单位", "企业", "两新组织"),
    "party-orgs": ("党组织", "支部"),
    "members": ("党员",),
}

EXAMPLES: dict[str, dict[str, str]] = {
    "units": {
        "name": f"{EXAMPLE_MARK}虹桥示例科技有限公司",
        "credit_code": "91310105MA1FL12346",
        "kind": "非公企业",
        "industry": "信息技术",
        "employees": "35",
        "is_above_scale": "否",
        "is_foreign_invested": "否",
        "region": "虹桥街道/虹储居民区",
        "address": "虹桥路1号",
        "liaison_name": "王指导员",
        "registered_on": "2017-07-18",
    },
    "party-orgs": {
        "name": f"{EXAMPLE_MARK}虹桥示例科技有限公司党支部",
        "level": "党支部",
        "formation": "单独建",
        "org_type": "独立建制党组织",
        "region": "虹桥街道/虹储居民区",
        "parent": "虹储居民区党总支",
        "secretary_name": "李书记",
        "founded_on": "2018-07-01",
        "covered_units": "91310105MA1FL12346",
    },
    "members": {
        "name": f"{EXAMPLE_MARK}张三",
        "id_number": "31010519900101123X",
        "mobile": "13900000000",
        "joined_on": "2012-07-01",
        "status": "正式党员",
        "party_org": "虹桥示例科技有限公司党支部",
        "workplace_unit": "91310105MA1FL12346",
        "residence_community": "虹储居民区",
        "gender": "男",
        "is_floating": "否",
    },
}
