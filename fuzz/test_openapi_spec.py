"""The generated OpenAPI document describes what the API really accepts and returns.

Ninja files every schema under `components/schemas` by its class name and lets
a later one silently replace an earlier one with the same name. Fuzzing found
two such clashes (Region.Level vs PartyOrg.Level; the ledger's and the visits'
`CoverageOut`), each making the spec describe one route with another route's
schema. This test catches the next one when the spec is built, before any
request is sent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
from ninja.openapi.schema import OpenAPISchema


def test_no_two_schemas_share_a_component_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from lianjian.api import api

    seen: dict[str, set[str]] = defaultdict(set)
    original = OpenAPISchema.add_schema_definitions

    def record(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            seen[name].add(json.dumps(definition, sort_keys=True, ensure_ascii=False))
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    spec = api.get_openapi_schema(path_prefix="/api/v1/")

    assert len(seen) >= 20, "the spec was built from the registered routers"
    clashes = {name: len(variants) for name, variants in seen.items() if len(variants) > 1}
    assert not clashes, (
        f"different schemas share a component name (one silently replaces the other): {clashes}; "
        "rename one class or inline it"
    )
    assert set(seen) <= set(spec["components"]["schemas"])


def test_every_operation_documents_its_generic_answers() -> None:
    """401 (no or bad token), 422 (invalid input) and, with a JSON body, 400 (unparsable)."""
    from lianjian.api import api

    spec = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    assert len(operations) >= 30
    for op in operations:
        responses = op["responses"]
        assert "401" in responses and "422" in responses, op["operationId"]
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            assert "400" in responses, op["operationId"]
