"""Domain events: how one app tells others that something happened (DESIGN.md).

An app that owns a fact (a delivery confirmed, an attendance verified)
publishes a named event with a small payload of ids and values; apps that
care subscribe in their `registry.py`. Handlers run synchronously inside the
publisher's transaction, so a points award commits or rolls back with the
fact that caused it, and the publisher never imports its listeners.

Each publishing app documents its events (name, payload keys) in its
`events.py`; names are `<app>.<fact>`, e.g. `projects.delivery_confirmed`.
"""

from __future__ import annotations

from typing import Any

from lianjian.core.registry import subscribers


def publish(event: str, **payload: Any) -> int:
    """Call every subscriber of `event` with `payload`; returns how many ran."""
    handlers = subscribers(event)
    for handler in handlers:
        handler(**payload)
    return len(handlers)
