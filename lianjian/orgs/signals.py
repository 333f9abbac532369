"""Receivers keeping derived registry columns true whatever saves a row."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from lianjian.orgs.models import Member

# the member fields a unit's member dates depend on
DATE_FIELDS = frozenset({"workplace_unit", "workplace_unit_id", "joined_on", "is_active"})


def member_written(sender: Any, instance: Member, **kwargs: Any) -> None:
    """A member saved or deleted: refresh the dates of the unit it works in and of the
    one it worked in when loaded (a move changes both). A save of named fields none
    of which they depend on (linking an account, say) changes nothing."""
    from lianjian.orgs.services import unit_member_dates_refresh

    fields = kwargs.get("update_fields")
    if fields is not None and not DATE_FIELDS & set(fields):
        return
    unit_member_dates_refresh({instance.workplace_unit_id, instance.loaded_workplace_unit_id})
    instance.loaded_workplace_unit_id = instance.workplace_unit_id


def connect() -> None:
    """Wire the receivers (OrgsConfig.ready)."""
    post_save.connect(member_written, sender=Member, dispatch_uid="orgs_member_dates_save")
    post_delete.connect(member_written, sender=Member, dispatch_uid="orgs_member_dates_delete")
