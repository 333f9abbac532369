"""Writes on needs, one module per responsibility (ADR 0009).

- `transitions`: the transition table, the actor check, `may` / `capabilities`
  (what a page offers) and the one transition function;
- `configuration`: departments, categories, routing, street settings, the catalogue;
- `intake`: `need_submit` from every channel, triage's proposal, idempotent retries;
- `workflow`: dispatch, accept, reply, return, transfer, reject, merge, close, rating;
- `ticks`: reminders, escalation, closing unrated replies;
- `notifications`: who is told, in-app or by SMS;
- `tally`: the statistics write model (`NeedSummary`, `NeedTally`);
- `clock`: the time every service writes (the demo replays history on it).

Pages, the API, the public form, commands and the demo call these; each
validates, writes a `NeedEvent` for every transition and an audit row in the
same transaction, and refuses bad input with a Chinese message. Callers use
`from lianjian.needs import services` and `services.<name>`: the names below.
"""

from lianjian.needs.calendar.services import calendar_day_set
from lianjian.needs.services import clock
from lianjian.needs.services.configuration import (
    category_create,
    category_update,
    department_create,
    department_set_active,
    department_update,
    route_for,
    service_item_create,
    service_station_create,
    street_settings_save,
)
from lianjian.needs.services.errors import (
    CONFLICT_MESSAGE,
    MAX_TEXT,
    IdempotencyKeyReused,
    NeedConflict,
    NeedError,
)
from lianjian.needs.services.intake import (
    need_submit,
    submission_problems,
    triage_retrain_request,
)
from lianjian.needs.services.notifications import notify_users
from lianjian.needs.services.tally import needs_summary_rebuild
from lianjian.needs.services.ticks import needs_tick
from lianjian.needs.services.transitions import (
    ACTIONS,
    ALLOWED_TRANSITIONS,
    CALLBACK_STATUSES,
    USER_ACTIONS,
    actor_may,
    capabilities,
    may,
)
from lianjian.needs.services.workflow import (
    need_accept,
    need_callback,
    need_close,
    need_dispatch,
    need_merge,
    need_rate_by_code,
    need_reject,
    need_reply,
    need_return,
    need_transfer,
)

__all__ = [
    "ACTIONS",
    "ALLOWED_TRANSITIONS",
    "CALLBACK_STATUSES",
    "CONFLICT_MESSAGE",
    "MAX_TEXT",
    "USER_ACTIONS",
    "IdempotencyKeyReused",
    "NeedConflict",
    "NeedError",
    "actor_may",
    "calendar_day_set",
    "capabilities",
    "category_create",
    "category_update",
    "clock",
    "department_create",
    "department_set_active",
    "department_update",
    "may",
    "need_accept",
    "need_callback",
    "need_close",
    "need_dispatch",
    "need_merge",
    "need_rate_by_code",
    "need_reject",
    "need_reply",
    "need_return",
    "need_submit",
    "need_transfer",
    "needs_summary_rebuild",
    "needs_tick",
    "notify_users",
    "route_for",
    "service_item_create",
    "service_station_create",
    "street_settings_save",
    "submission_problems",
    "triage_retrain_request",
]
