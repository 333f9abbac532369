"""A need's page offers to put the need before a joint meeting (`needs.links`)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from lianjian.needs.demo import build_needs_demo
from lianjian.needs.services import need_submit


def test_need_page_links_to_a_proposal_filled_in_from_the_need(
    personas: Any, tree: Any, client_for: Any
) -> None:
    build_needs_demo(tree.street_a)
    need = need_submit(
        channel="hotline",
        text="园区企业希望联合开展法律服务进楼宇",
        region=tree.community_a1,
        submitter_kind="person",
        submitter_name="王先生",
        contact_phone="13900001111",
    )
    link = f"{reverse('alliances:proposal_create')}?needs={need.pk}"
    staff = client_for(personas.street_staff)
    page = staff.get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "提交联席会议" in page and f'href="{link}"' in page
    form = staff.get(link).content.decode()
    assert need.tracking_code in form  # the proposal's content quotes the need
    # a department handler cannot propose: the form refuses it, so no button is offered
    handler = client_for(personas.dept_handler)
    assert handler.get(reverse("alliances:proposal_create")).status_code == 403
