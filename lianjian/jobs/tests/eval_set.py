"""A small labelled set for the matcher, written for the tests: which residents fit which job.

Fifteen job families in five categories; each family has one posting and
five residents whose resumes describe that work in their own words. The
other families of the same category are the distractors (the structured
filter lets them through, so only the text can tell them apart). Used by
`test_matching.py` and by `bench/jobs_bench.py`, which prints precision@5.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# category -> families: (posting title, posting text, the words a fitting resident uses)
FAMILIES: dict[str, list[tuple[str, str, list[str]]]] = {
    "logistics": [
        (
            "仓库管理员",
            "负责仓库收发货、库存盘点，需会开叉车。",
            ["叉车", "仓库", "盘点", "库存", "仓储"],
        ),
        (
            "快递分拣员",
            "快递中转站包裹分拣、装卸和扫码录入。",
            ["快递", "分拣", "装卸", "包裹", "扫码"],
        ),
        (
            "货车司机",
            "持B2驾照，负责港区到市区的货运配送。",
            ["驾驶", "驾照", "货车", "配送", "货运"],
        ),
    ],
    "manufacturing": [
        (
            "数控车床操作员",
            "按图纸操作数控车床加工零件，会编程优先。",
            ["数控", "车床", "编程", "图纸", "加工"],
        ),
        (
            "装配工",
            "家电流水线装配零部件并做质检记录。",
            ["装配", "流水线", "质检", "零部件", "组装"],
        ),
        (
            "电焊工",
            "钢结构件电焊、氩弧焊作业，持焊工证。",
            ["电焊", "焊接", "氩弧焊", "焊工证", "钢结构"],
        ),
    ],
    "care": [
        (
            "养老护理员",
            "照护社区老人日常起居，协助康复训练。",
            ["护理", "老人", "照护", "康复", "养老"],
        ),
        (
            "育婴师",
            "婴幼儿喂养与早教陪护，持育婴师证。",
            ["育婴", "婴幼儿", "早教", "喂养", "母婴"],
        ),
        (
            "家政保洁员",
            "家庭保洁、收纳整理和深度清洁服务。",
            ["保洁", "清洁", "收纳", "家政", "整理"],
        ),
    ],
    "catering": [
        (
            "食堂厨师",
            "企业食堂炒菜，擅长鲁菜，负责菜品烹饪。",
            ["厨师", "炒菜", "鲁菜", "烹饪", "菜品"],
        ),
        (
            "面点师",
            "中式面点与烘焙，会做馒头包子和蛋糕。",
            ["面点", "烘焙", "蛋糕", "馒头", "包子"],
        ),
        (
            "餐厅服务员",
            "餐厅点餐、传菜和收银，热情接待客人。",
            ["点餐", "传菜", "接待", "服务员", "餐厅"],
        ),
    ],
    "tech": [
        (
            "设备电工",
            "厂区电气设备巡检与维修，持电工证。",
            ["电工", "电气", "维修", "电工证", "巡检"],
        ),
        (
            "网络管理员",
            "维护公司网络与服务器，熟悉Linux。",
            ["网络", "服务器", "linux", "交换机", "运维"],
        ),
        (
            "前端开发",
            "用JavaScript开发网页前端和小程序。",
            ["javascript", "前端", "网页", "小程序", "开发"],
        ),
    ],
}
PER_FAMILY = 5
TOP_K = 5


@dataclass(frozen=True)
class Case:
    category: str
    title: str
    text: str
    skills: str


@dataclass(frozen=True)
class Person:
    family: tuple[str, str]  # (category, title) of the job the person fits
    skills: str
    experience: str


def cases() -> list[Case]:
    return [
        Case(category, title, text, " ".join(words[:3]))
        for category, families in FAMILIES.items()
        for title, text, words in families
    ]


def people(seed: int = 7) -> list[Person]:
    """Five residents per family, each naming three of the family's words in a sentence."""
    rng = random.Random(seed)
    out = []
    for category, families in FAMILIES.items():
        for title, _text, words in families:
            for _ in range(PER_FAMILY):
                chosen = rng.sample(words, 3)
                out.append(
                    Person(
                        (category, title),
                        "、".join(chosen[:2]),
                        f"之前{rng.randint(1, 9)}年一直在做{chosen[2]}相关的活，也懂{chosen[0]}。",
                    )
                )
    return out


def precision_at_k(ranked: dict[tuple[str, str], list[tuple[str, str]]], k: int = TOP_K) -> float:
    """Mean share of each posting's top k whose family is the posting's own."""
    shares = [sum(1 for fam in top[:k] if fam == key) / k for key, top in ranked.items()]
    return sum(shares) / len(shares)
