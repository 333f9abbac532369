"""The matcher: suggestions explain themselves, respect consent, and rank the right people first."""

from __future__ import annotations

from typing import Any

import pytest

from lianjian.jobs import matching, selectors
from lianjian.jobs.models import Match
from lianjian.jobs.tests import eval_set
from lianjian.jobs.tests.factories import make_resume


def test_precision_at_5_on_the_labelled_set() -> None:
    """Rank every resident of a category against each family's posting (no database)."""
    people = eval_set.people()
    ranked: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for case in eval_set.cases():
        own = " ".join(
            matching.tokens(" ".join([case.title, case.title, case.skills, case.skills, case.text]))
        )
        pool = [(i, p) for i, p in enumerate(people) if p.family[0] == case.category]
        candidates = [
            (
                i,
                " ".join(matching.tokens(" ".join([p.skills, p.skills, p.experience]))),
                None,
                None,
                False,
            )
            for i, p in pool
        ]
        best = matching.rank(own, (None, None), candidates, top=eval_set.TOP_K)
        ranked[(case.category, case.title)] = [people[s.other_id].family for s in best]
    assert eval_set.precision_at_k(ranked) >= 0.8


@pytest.mark.django_db
def test_a_live_posting_is_matched_with_findable_residents_and_says_why(
    tree: Any, board: Any, personas: Any
) -> None:
    findable = make_resume(personas.member, tree.community_a1, discoverable=True)
    matching.match_resume(findable)  # what the resume's background task does first
    assert matching.match_posting(board.posting) == 1
    match = Match.objects.get(posting=board.posting)
    assert match.resume_id == findable.pk
    assert "叉车" in match.reasons and "同一社区" in match.reasons
    assert [m.posting_id for m in selectors.suggested_jobs(personas.member)] == [board.posting.pk]


@pytest.mark.django_db
def test_a_resident_who_did_not_consent_is_never_suggested_to_employers(
    tree: Any, board: Any, personas: Any
) -> None:
    resume = make_resume(personas.member, tree.community_a1, discoverable=False)
    matching.match_resume(resume)  # the resident still gets suggestions of their own
    assert matching.match_posting(board.posting) == 0
    assert list(selectors.suggested_residents(board.posting)) == []
