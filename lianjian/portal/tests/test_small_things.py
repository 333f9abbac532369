"""Issue 13 item 12: the favicon, ISO dates in date inputs, the marked menu entry and tab,
the calendar link only for its holders, the department handler in the account list."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import timezone


def test_favicon_is_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("core/favicon.svg")
    home = client.get(reverse("accounts:login")).content.decode()
    assert 'rel="icon"' in home


def test_visit_form_fills_an_iso_date(personas, client_for):
    html = client_for(personas.street_staff).get(reverse("visits:create")).content.decode()
    today = timezone.localdate().isoformat()
    assert re.search(rf'type="date"[^>]*value="{today}"|value="{today}"[^>]*type="date"', html)


def test_longest_menu_prefix_is_marked_and_tabs_show_the_current_one(personas, client_for):
    client = client_for(personas.street_staff)
    stats = client.get(reverse("needs:stats")).content.decode()
    marked = re.findall(r'<a href="([^"]+)" class="active" aria-current="page">', stats)
    assert marked == [reverse("needs:stats")]
    coverage = client.get(reverse("visits:coverage")).content.decode()
    tab = re.search(r'<nav class="tabs".*?</nav>', coverage, re.S)
    assert tab is not None
    assert re.findall(r'href="([^"]+)" class="active"', tab.group(0)) == [
        reverse("visits:coverage")
    ]


def test_calendar_is_linked_only_for_those_who_may_open_it(personas, client_for):
    calendar = reverse("needs:calendar")
    for persona in ("secretary_a1", "dept_handler", "member"):
        client = client_for(getattr(personas, persona))
        for page in (reverse("portal:home"), reverse("needs:list")):
            response = client.get(page)
            if response.status_code == 200:
                assert calendar not in response.content.decode(), (persona, page)


def test_department_handler_account_is_listed_for_its_admins(personas, tree, client_for):
    from lianjian.needs.services import department_create

    department_create(street=tree.street_a, key="civil-affairs", name="民政办")
    for admin in (personas.security_admin, personas.district_admin):
        html = client_for(admin).get(reverse("accounts:user_list")).content.decode()
        assert ">dept_handler<" in html or "dept_handler" in html
    locked = client_for(personas.security_admin).get(reverse("accounts:user_list"))
    assert 'name="locked"' in locked.content.decode()  # the unlock filter
