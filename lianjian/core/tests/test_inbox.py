"""The inbox: one's own notifications only (another's is 404), read one/all, the bell,
the API, per-kind channel preferences and e-mail delivery."""

from __future__ import annotations

import json

from django.core import mail
from django.urls import reverse

from lianjian.core.models import Delivery, Notification, NotificationPreference
from lianjian.core.notifications import notify


def _note(user, subject="新派单需求", link="/needs/1/"):
    notify([user], subject, "请及时办理", link, kind="needs")
    return Notification.objects.filter(recipient=user).latest("id")


def test_inbox_shows_own_notifications_and_bell_count(personas, client_for):
    _note(personas.street_staff, "甲")
    _note(personas.street_staff, "乙")
    _note(personas.secretary_a1, "别人的通知")
    client = client_for(personas.street_staff)
    html = client.get(reverse("core_notifications:inbox")).content.decode()
    assert "甲" in html and "乙" in html and "别人的通知" not in html
    home = client.get(reverse("portal:home")).content.decode()
    assert 'id="bell-count">2<' in home


def test_another_users_notification_is_404_everywhere_and_unchanged(personas, client_for):
    theirs = _note(personas.secretary_a1)
    for persona in ("street_staff", "member", "audit_admin", "outsider"):
        client = client_for(getattr(personas, persona))
        assert client.get(reverse("core_notifications:open", args=[theirs.pk])).status_code == 404
        assert client.post(reverse("core_notifications:read", args=[theirs.pk])).status_code == 404
        api = client.post(f"/api/v1/notifications/{theirs.pk}/read")
        assert api.status_code == 404, persona
        assert "detail" in api.json()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_open_marks_read_and_follows_the_link_only_on_this_site(personas, client_for):
    own = _note(personas.dept_handler, link="/needs/7/")
    client = client_for(personas.dept_handler)
    response = client.get(reverse("core_notifications:open", args=[own.pk]))
    assert response.status_code == 302 and response["Location"] == "/needs/7/"
    own.refresh_from_db()
    assert own.read_at is not None
    evil = _note(personas.dept_handler, link="//evil.example/x")
    response = client.get(reverse("core_notifications:open", args=[evil.pk]))
    assert response["Location"] == reverse("core_notifications:inbox")


def test_read_all_and_api(personas, client_for):
    for i in range(3):
        _note(personas.member, f"通知{i}")
    client = client_for(personas.member)
    listed = client.get("/api/v1/notifications?limit=2").json()
    assert listed["count"] == 3 and listed["unread"] == 3 and len(listed["items"]) == 2
    first = listed["items"][0]["id"]
    read = client.post(f"/api/v1/notifications/{first}/read").json()
    assert read["read_at"] is not None
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 2
    client.post(reverse("core_notifications:read_all"))
    assert client.get("/api/v1/notifications").json()["unread"] == 0
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 0}


def test_api_needs_sign_in(client, personas):
    assert client.get("/api/v1/notifications").status_code == 401


def test_preferences_switch_email_on_per_kind(
    personas, client_for, django_capture_on_commit_callbacks, settings
):
    # NOTIFY_EMAIL_BACKEND=smtp: Django's mail backend (the test runner's outbox here)
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "email": ("lianjian.core.notify_backends.EmailBackend"),
    }
    user = personas.dept_handler
    user.email = "handler@example.cn"
    user.save(update_fields=["email"])
    client = client_for(user)
    page = client.get(reverse("core_notifications:preferences")).content.decode()
    assert 'value="needs:email"' in page
    client.post(reverse("core_notifications:preferences"), {"on": ["needs:email"]})
    assert NotificationPreference.objects.get(user=user, kind="needs", channel="email").enabled
    with django_capture_on_commit_callbacks(execute=True):
        _note(user, "新派单需求")
    [message] = mail.outbox
    assert message.to == ["handler@example.cn"] and "新派单需求" in message.subject
    assert Delivery.objects.get(channel="email").status == "sent"
    # off again: in-app only
    client.post(reverse("core_notifications:preferences"), {})
    with django_capture_on_commit_callbacks(execute=True):
        _note(user, "再一条")
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=user).count() == 2


def test_member_sms_goes_to_the_member_record_mobile(
    personas, tree, django_capture_on_commit_callbacks
):
    from lianjian.orgs.services_members import member_update

    member_update(tree.member_a1, mobile="13912345678")
    NotificationPreference.objects.create(
        user=personas.member, kind="needs", channel="sms", enabled=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        _note(personas.member)
    delivery = Delivery.objects.get(channel="sms")
    assert delivery.recipient == "13912345678" and delivery.recipient_masked == "139****5678"
    assert json.dumps(delivery.params) == "{}"
