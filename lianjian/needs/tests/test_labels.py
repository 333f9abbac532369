"""What staff read on a need's page is Chinese, not internal codes."""

from __future__ import annotations

import re

from django.urls import reverse

from lianjian.needs.demo import build_needs_demo
from lianjian.needs.models import EVENT_ACTION_LABELS, PROPOSAL_SOURCE_LABELS, Need
from lianjian.needs.services import need_submit


def test_history_and_proposal_show_chinese_labels(personas, tree, client_for):
    build_needs_demo(tree.street_a)
    need = need_submit(
        channel="hotline",
        text="老人需要慈善帮扶和关爱探访",
        region=tree.community_a1,
        submitter_kind="person",
        submitter_name="王先生",
        contact_phone="13900002222",
    )
    html = client_for(personas.street_staff).get(reverse("needs:detail", args=[need.pk])).content
    page = html.decode()
    history = page[page.index("办理记录") :]
    assert EVENT_ACTION_LABELS["submit"] in history
    assert not re.search(r"<td>submit</td>", history)
    need = Need.objects.get(pk=need.pk)
    if need.proposal_source:
        assert PROPOSAL_SOURCE_LABELS[need.proposal_source] in page
        assert f"，{need.proposal_source}）" not in page
