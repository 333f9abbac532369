"""A submitter who left a mobile is told by SMS at reply and at closure, through the gateway."""

from __future__ import annotations

from typing import Any

from lianjian.core.models import Delivery
from lianjian.core.tests.fake_gateway import fake_sms_gateway, gateway_settings
from lianjian.needs import services as S
from lianjian.needs.models import Status

PHONE = "13812345678"


def _replied(world: Any, personas: Any, submit: Any, capture: Any, **kw: Any) -> Any:
    need = submit(contact_phone=PHONE, **kw)
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    with capture(execute=True):
        return S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已安排社工上门")


def test_reply_and_closure_reach_the_submitter_through_the_gateway(
    world, personas, submit, settings, django_capture_on_commit_callbacks
):
    with fake_sms_gateway() as gateway:
        gateway_settings(settings, gateway)
        need = _replied(world, personas, submit, django_capture_on_commit_callbacks)
        assert gateway.bad_signatures == 0
        [sent] = gateway.received
        assert sent["phone"] == PHONE
        assert sent["template_id"] == "SMS_1001"
        assert sent["params"] == {"code": need.tracking_code}
        assert sent["app_key"] == "lianjian-test"
        delivery = Delivery.objects.get(kind="needs.replied")
        assert (delivery.status, delivery.attempts, delivery.provider_id) == ("sent", 1, "m1")
        assert delivery.recipient_masked == "138****5678"

        S.need_rate_by_code(need.tracking_code, rating="satisfied")
        with django_capture_on_commit_callbacks(execute=True):
            S.need_close(need.pk, actor=personas.street_staff)
        assert [r["template_id"] for r in gateway.received] == ["SMS_1001", "SMS_1002"]
        assert Delivery.objects.get(kind="needs.closed").status == "sent"


def test_gateway_outage_is_retried_then_sent(
    world, personas, submit, settings, django_capture_on_commit_callbacks
):
    with fake_sms_gateway() as gateway:
        gateway_settings(settings, gateway)
        gateway.answers = [503, 502]
        _replied(world, personas, submit, django_capture_on_commit_callbacks)
        delivery = Delivery.objects.get(kind="needs.replied")
        assert (delivery.status, delivery.attempts) == ("sent", 3)
        assert len(gateway.received) == 3


def test_refusal_is_not_retried_and_is_logged_masked(
    world, personas, submit, settings, django_capture_on_commit_callbacks, caplog
):
    with fake_sms_gateway() as gateway:
        gateway_settings(settings, gateway)
        gateway.answers = [400]
        need = _replied(world, personas, submit, django_capture_on_commit_callbacks)
        assert need.status == Status.REPLIED  # the work order does not depend on the SMS
        delivery = Delivery.objects.get(kind="needs.replied")
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert "400" in delivery.last_error
        assert PHONE not in caplog.text and "138****5678" in caplog.text


def test_no_mobile_no_sms_and_default_backend_only_logs(
    world, personas, submit, django_capture_on_commit_callbacks, caplog
):
    need = submit(contact_phone="", submitter_kind="anonymous", submitter_name="")
    S.need_dispatch(
        need.pk, actor=personas.street_staff, category=world.charity, department=world.civil
    )
    with django_capture_on_commit_callbacks(execute=True):
        S.need_reply(need.pk, actor=personas.dept_handler, reply_text="已处理")
    assert not Delivery.objects.exists()
    _replied(world, personas, submit, django_capture_on_commit_callbacks)
    assert Delivery.objects.get().status == "sent"  # the logging backend "sent" it
    assert PHONE not in caplog.text
