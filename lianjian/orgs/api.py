"""Registry API routes (regions, units, party-orgs, members)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["registries"])
