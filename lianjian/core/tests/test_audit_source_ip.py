"""Every audit row written during a request carries the request's client address (S11,
issue 11 finding 9): registry services are given an actor, not a request, and wrote ''."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from lianjian.accounts.services import token_create
from lianjian.core.audit import audit_record, client_ip
from lianjian.core.models import AuditEvent


@pytest.mark.django_db
def test_a_page_write_records_the_client(personas: Any, tree: Any) -> None:
    c = Client(REMOTE_ADDR="198.51.100.20")
    c.force_login(personas.street_staff)
    response = c.post(f"/orgs/units/{tree.unit_a1.pk}/deactivate/", {"confirm": "on"})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="unit.deactivate")
    assert event.source_ip == "198.51.100.20"


@pytest.mark.django_db
def test_an_api_write_records_the_client(personas: Any, tree: Any) -> None:
    key = token_create(personas.street_staff, "sync")
    c = Client(REMOTE_ADDR="198.51.100.21", headers={"Authorization": f"Bearer {key}"})
    response = c.patch(
        f"/api/v1/units/{tree.unit_a1.pk}",
        data=json.dumps({"address": "新地址"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert AuditEvent.objects.get(action="unit.update").source_ip == "198.51.100.21"


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_client_is_recorded(
    personas: Any, tree: Any, settings: Any
) -> None:
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    c = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    c.force_login(personas.street_staff)
    c.post(f"/orgs/units/{tree.unit_a1.pk}/deactivate/", {"confirm": "on"})
    assert AuditEvent.objects.get(action="unit.deactivate").source_ip == "203.0.113.9"


@pytest.mark.django_db
def test_outside_a_request_no_address_is_invented(personas: Any) -> None:
    assert audit_record("test.shell", user=personas.street_staff).source_ip == ""


def test_a_request_not_from_a_trusted_proxy_cannot_forge_its_address(
    rf: Any, settings: Any
) -> None:
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    spoofed = rf.get("/", REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert client_ip(spoofed) == "192.0.2.50"


def test_a_chain_of_proxies_is_read_from_the_right(rf: Any, settings: Any) -> None:
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.1.0.0/16"]
    # client -> load balancer 10.1.2.3 -> nginx on this machine
    chained = rf.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.1.2.3"
    )
    assert client_ip(chained) == "203.0.113.7"
    # a hop that is not an address breaks the chain: the proxy's own address is kept
    garbled = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7, unknown")
    assert client_ip(garbled) == "127.0.0.1"
