"""Certification (认定) assigns tiers; one current card; card changes keep their history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianjian.points import services, services_cards
from lianjian.points.models import Card, CardEvent, Certification, Tier
from lianjian.points.tests.factories import certified_card, year

pytestmark = pytest.mark.django_db


def test_certify_issues_by_threshold(enrolled: Any, tree: Any, personas: Any) -> None:
    services.adjust(tree.member_a1, points=120, reason="年度积分", actor=None)
    cert = services_cards.certify(
        tree.community_a1,
        start=year()[0],
        end=year()[1],
        label="2026年度",
        actor=personas.secretary_a1,
    )
    assert (cert.gold, cert.silver) == (1, 0)
    assert cert.certified_by == personas.secretary_a1
    card = services_cards.current_card(tree.member_a1.pk)
    assert card is not None and card.tier == Tier.GOLD
    assert len(card.token) >= 20 and not card.token.isdigit()
    assert tree.member_a1.id_number not in card.token
    with pytest.raises(services.PointsError, match="重复"):
        services_cards.certify(
            tree.community_a1, start=year()[0], end=year()[1], label="x", actor=None
        )


def test_next_period_downgrades_then_revokes(enrolled: Any, tree: Any) -> None:
    card = certified_card(tree.member_a1, 120, tree.community_a1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=40)
    with time_machine.travel(later):
        day = timezone.localdate()
        services.adjust(tree.member_a1, points=60, reason="下一周期", actor=None)
        services_cards.certify(tree.community_a1, start=day, end=day, label="本期", actor=None)
        card.refresh_from_db()
        assert card.tier == Tier.SILVER and card.status == Card.Status.ACTIVE
    with time_machine.travel(later + dt.timedelta(days=1)):
        day = timezone.localdate()
        services_cards.certify(tree.community_a1, start=day, end=day, label="下期", actor=None)
    card.refresh_from_db()
    assert card.status == Card.Status.REVOKED
    actions = list(card.events.order_by("pk").values_list("action", flat=True))
    assert actions == ["issue", "downgrade", "revoke"]


def test_one_current_card_per_member(enrolled: Any, tree: Any) -> None:
    card = certified_card(tree.member_a1, 60, tree.community_a1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            member=tree.member_a1,
            tier=Tier.GOLD,
            token="x" * 30,
            issued_at=card.issued_at,
            valid_until=card.valid_until,
        )


def test_suspend_resume_revoke_rotate(enrolled: Any, tree: Any, personas: Any) -> None:
    card = certified_card(tree.member_a1, 60, tree.community_a1)
    old = card.token
    card = services_cards.card_rotate(card, actor=personas.secretary_a1)
    assert card.token != old
    with pytest.raises(services.PointsError):
        services_cards.card_suspend(card, actor=None, reason="")
    card = services_cards.card_suspend(card, actor=None, reason="卡片遗失")
    card = services_cards.card_resume(card, actor=None)
    card = services_cards.card_revoke(card, actor=None, reason="党员迁出")
    assert card.status == Card.Status.REVOKED
    assert services_cards.current_card(tree.member_a1.pk) is None
    assert CardEvent.objects.filter(card=card).count() == 5


def test_withdrawn_members_are_not_certified(enrolled: Any, tree: Any) -> None:
    services.adjust(tree.member_a1, points=120, reason="年度", actor=None)
    services.withdraw(tree.member_a1, actor=None)
    cert = services_cards.certify(
        tree.community_a1, start=year()[0], end=year()[1], label="2026", actor=None
    )
    assert cert.gold == 0 and not cert.lines.exists()
    assert Certification.objects.count() == 1
