"""The scope chokepoint: each persona sees exactly its subtree."""

from __future__ import annotations

import pytest
from django.http import Http404

from lianjian.orgs.access import get_member_for_user, members_visible_to, units_visible_to


def test_secretary_sees_only_own_community(personas, tree):
    visible = set(members_visible_to(personas.secretary_a1))
    assert visible == {tree.member_a1}


def test_street_staff_sees_street_not_sibling_street(personas, tree):
    visible = set(members_visible_to(personas.street_staff))
    assert visible == {tree.member_a1, tree.member_a2}


def test_district_admin_sees_all(personas, tree):
    assert members_visible_to(personas.district_admin).count() == 3


def test_unit_admin_sees_covered_units_only(personas, tree):
    assert set(units_visible_to(personas.unit_admin)) == {tree.unit_building}


def test_outsider_sees_nothing(personas, tree):
    assert members_visible_to(personas.outsider).count() == 0


def test_out_of_scope_detail_is_404(personas, tree):
    with pytest.raises(Http404):
        get_member_for_user(personas.secretary_a1, tree.member_a2.pk)
    with pytest.raises(Http404):
        get_member_for_user(personas.secretary_a1, "not-a-number")
