"""Member search keeps full ID numbers and mobiles out of URLs."""

from __future__ import annotations

from django.urls import reverse


def test_search_by_id_number_posts_and_redirects_with_blind_index(personas, tree, client_for):
    client = client_for(personas.secretary_a1)
    id_number = tree.member_a1.id_number
    response = client.post(reverse("orgs:member_list"), {"q": id_number, "active": "1"})
    assert response.status_code == 302
    location = response["Location"]
    assert id_number not in location and "qi=" in location
    page = client.get(location).content.decode()
    assert tree.member_a1.name in page
    assert id_number not in page


def test_search_by_mobile_stays_in_scope(personas, tree, client_for):
    client = client_for(personas.secretary_a1)
    sibling_mobile = tree.member_a2.mobile
    location = client.post(reverse("orgs:member_list"), {"q": sibling_mobile})["Location"]
    assert sibling_mobile not in location and "qm=" in location
    assert tree.member_a2.name not in client.get(location).content.decode()


def test_name_search_and_forged_token(personas, tree, client_for):
    client = client_for(personas.street_staff)
    location = client.post(reverse("orgs:member_list"), {"q": "林"})["Location"]
    assert tree.member_a2.name in client.get(location).content.decode()
    forged = client.get(reverse("orgs:member_list"), {"qi": "not-a-hash"}).content.decode()
    assert tree.member_a1.name not in forged and tree.member_a2.name not in forged
