"""Two-way suggestions: jobs that fit a resident, residents who fit a job (DOMAIN.md §8).

Text similarity is TF-IDF over jieba tokens (title and skills weigh double),
cosine-normalized, plus small bonuses for the same street or community and
pay that meets the wish; structured filters (category, pay, education,
consent) cut the candidates first. Tokens are computed once per row in the
background task and stored (`terms`), so matching a new posting reads short
strings, never segments the whole table, and never runs at request time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lianjian.core.text import segment
from lianjian.jobs.models import EDUCATION_RANK, Category, Match, Posting, Resume

TOP_N = 20
SAME_COMMUNITY_BONUS = 0.15
SAME_STREET_BONUS = 0.05
PAY_BONUS = 0.05
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[a-zA-Z][a-zA-Z0-9+#.]*")
# words every posting or resume carries: they explain nothing
STOP_WORDS = frozenset(
    "负责 工作 相关 以上 经验 熟悉 能够 能力 具有 要求 优先 良好 岗位 公司 我们 进行 一定 "
    "以及 员工 招聘 人员 提供 根据 有关 完成 不限 可以 希望".split()
)


def tokens(text: str) -> list[str]:
    """Content words of `text`: jieba words of two or more characters, Latin words lower-cased."""
    out: list[str] = []
    for word in segment(text):
        word = word.strip().lower()
        if _WORD.fullmatch(word) and word not in STOP_WORDS:
            out.append(word)
    return out


def posting_terms(posting: Posting) -> str:
    weighted = [posting.title, posting.title, posting.skills, posting.skills, posting.description]
    return " ".join(tokens(" ".join(weighted)))


def resume_terms(resume: Resume) -> str:
    label = Category(resume.wanted_category).label if resume.wanted_category else ""
    weighted = [resume.skills, resume.skills, resume.experience, label]
    return " ".join(tokens(" ".join(weighted)))


@dataclass(frozen=True)
class Scored:
    other_id: int
    score: float
    reasons: str


def _vector(terms: str, idf: dict[str, float]) -> dict[str, float]:
    counts = Counter(terms.split())
    vec = {t: (1 + math.log(n)) * idf.get(t, 0.0) for t, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def _idf(documents: Iterable[str]) -> dict[str, float]:
    df: Counter[str] = Counter()
    total = 0
    for doc in documents:
        total += 1
        df.update(set(doc.split()))
    return {t: math.log((1 + total) / (1 + n)) + 1 for t, n in df.items()}


def rank(
    own_terms: str,
    own_place: tuple[int | None, int | None],
    candidates: Sequence[tuple[int, str, int | None, int | None, bool]],
    top: int = TOP_N,
) -> list[Scored]:
    """Score `candidates` (id, terms, street, community, pay fits) against one row's terms."""
    idf = _idf([own_terms, *(c[1] for c in candidates)])
    own = _vector(own_terms, idf)
    scored: list[Scored] = []
    street, community = own_place
    for other_id, terms, c_street, c_community, pay_fits in candidates:
        other = _vector(terms, idf)
        shared = [t for t in own if t in other]
        text = sum(own[t] * other[t] for t in shared)
        if text <= 0:
            continue
        reasons = []
        shared.sort(key=lambda t: -own[t] * other[t])
        reasons.append("共同技能/关键词：" + "、".join(shared[:4]))
        score = text
        if community and c_community == community:
            score += SAME_COMMUNITY_BONUS
            reasons.append("同一社区")
        elif street and c_street == street:
            score += SAME_STREET_BONUS
            reasons.append("同一街道")
        if pay_fits:
            score += PAY_BONUS
            reasons.append("薪资符合期望")
        scored.append(Scored(other_id, round(score, 4), "；".join(reasons)[:300]))
    scored.sort(key=lambda s: (-s.score, s.other_id))
    return scored[:top]


def candidate_resumes(posting: Posting) -> Any:
    """Approved, findable resumes in the posting's district wanting this kind of work."""
    qs = Resume.objects.filter(
        status=Resume.Status.APPROVED,
        discoverable=True,
        wanted_category=posting.category,
        district_id=posting.district_id,
    ).exclude(terms="")
    allowed = [e for e, r in EDUCATION_RANK.items() if r >= EDUCATION_RANK[posting.education]]
    if posting.education != "any":
        qs = qs.filter(education__in=allowed)
    return qs


def match_posting(posting: Posting) -> int:
    """Recompute a live posting's suggested residents; returns how many were kept."""
    if not posting.terms:
        posting.terms = posting_terms(posting)
        Posting.objects.filter(pk=posting.pk).update(terms=posting.terms)
    rows = candidate_resumes(posting).values_list(
        "pk", "terms", "street_id", "community_id", "wanted_pay"
    )
    candidates = [(pk, t, s, c, 0 < pay <= posting.pay_max) for pk, t, s, c, pay in rows.iterator()]
    best = rank(posting.terms, (posting.street_id, posting.community_id), candidates)
    with transaction.atomic():
        Match.objects.filter(posting=posting).delete()
        Match.objects.bulk_create(
            [
                Match(posting=posting, resume_id=s.other_id, score=s.score, reasons=s.reasons)
                for s in best
            ],
            ignore_conflicts=True,
        )
    return len(best)


def match_resume(resume: Resume) -> int:
    """Recompute the live postings suggested to a resident."""
    from lianjian.jobs.access import live_q

    if not resume.terms:
        resume.terms = resume_terms(resume)
        Resume.objects.filter(pk=resume.pk).update(terms=resume.terms)
    if resume.status != Resume.Status.APPROVED:
        Match.objects.filter(resume=resume).delete()
        return 0
    rank_of = EDUCATION_RANK[resume.education]
    educations = [e for e, r in EDUCATION_RANK.items() if r <= rank_of] + ["any"]
    rows = (
        Posting.objects.filter(
            live_q(), category=resume.wanted_category, district_id=resume.district_id
        )
        .filter(education__in=educations)
        .exclude(terms="")
        .values_list("pk", "terms", "street_id", "community_id", "pay_max")
    )
    candidates = [(pk, t, s, c, resume.wanted_pay <= pay) for pk, t, s, c, pay in rows.iterator()]
    best = rank(resume.terms, (resume.street_id, resume.community_id), candidates)
    with transaction.atomic():
        Match.objects.filter(resume=resume).delete()
        Match.objects.bulk_create(
            [
                Match(posting_id=s.other_id, resume=resume, score=s.score, reasons=s.reasons)
                for s in best
            ],
            ignore_conflicts=True,
        )
    return len(best)
