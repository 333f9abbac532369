"""Region update and deactivation through the API."""

from __future__ import annotations

import json

from lianjian.orgs.models import Region
from lianjian.orgs.services import region_create


def _patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def test_street_staff_renames_own_community(personas, tree, client_for):
    client = client_for(personas.street_staff)
    # street staff lack orgs.change_region; the district admin holds it
    refused = _patch(client, f"/api/v1/regions/{tree.community_a1.pk}", {"name": "改名"})
    assert refused.status_code == 403
    admin = client_for(personas.district_admin)
    ok = _patch(
        admin, f"/api/v1/regions/{tree.community_a1.pk}", {"name": "虹储新村", "code": "0101"}
    )
    assert ok.status_code == 200, ok.content
    tree.community_a1.refresh_from_db()
    assert (tree.community_a1.name, tree.community_a1.code) == ("虹储新村", "0101")


def test_blank_name_refused_and_nothing_changes(personas, tree, client_for):
    admin = client_for(personas.district_admin)
    response = _patch(admin, f"/api/v1/regions/{tree.community_a1.pk}", {"name": "  "})
    assert response.status_code == 400
    assert response.json()["detail"] == "名称不能为空"
    tree.community_a1.refresh_from_db()
    assert tree.community_a1.name == "虹储居民区"


def test_deactivate_refuses_non_empty_and_accepts_empty(personas, tree, client_for):
    admin = client_for(personas.district_admin)
    busy = admin.post(f"/api/v1/regions/{tree.community_a1.pk}/deactivate")
    assert busy.status_code == 400
    tree.community_a1.refresh_from_db()
    assert tree.community_a1.is_active
    empty = region_create(name="空置社区", level=Region.Level.COMMUNITY, parent=tree.street_b)
    done = admin.post(f"/api/v1/regions/{empty.pk}/deactivate")
    assert done.status_code == 200, done.content
    empty.refresh_from_db()
    assert not empty.is_active


def test_out_of_scope_region_is_404(personas, tree, client_for):
    from lianjian.accounts.services import grant_add
    from lianjian.core.roles import Role

    # a second district admin limited to street B cannot touch street A's nodes
    grant_add(personas.outsider, Role.DISTRICT_ADMIN, region=tree.street_b)
    client = client_for(personas.outsider)
    assert (
        _patch(client, f"/api/v1/regions/{tree.community_a1.pk}", {"name": "x"}).status_code == 404
    )
    assert client.post(f"/api/v1/regions/{tree.community_a2.pk}/deactivate").status_code == 404
    tree.community_a1.refresh_from_db()
    tree.community_a2.refresh_from_db()
    assert tree.community_a1.name == "虹储居民区" and tree.community_a2.is_active
