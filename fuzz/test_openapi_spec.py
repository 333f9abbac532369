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


# ---------------------------------------------------------------- the contract (issue 10, item 5)

ERROR_STATUSES = {"400", "401", "403", "404", "405", "409", "422", "429", "500"}
# names that hold a code from a fixed list wherever they appear in the spec
ENUM_NAMES = {
    "kind",
    "channel",
    "submitter_kind",
    "status",
    "level",
    "area_type",
    "formation",
    "org_type",
    "method",
    "follow_up_status",
    "rating",
    "gender",
    "group",
    "by",
}


def _spec() -> dict[str, Any]:
    from lianjian.api import api

    spec: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))
    return spec


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _variants(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The alternatives of a schema, `$ref`s resolved and `null` left out."""
    schema = _resolve(spec, schema)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return [v for s in schema[key] for v in _variants(spec, s)]
    return [] if schema.get("type") == "null" else [schema]


def _untyped(spec: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Places under `schema` whose type a client cannot know: no type, free-form objects."""
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return []
        seen.add(ref)
    variants = _variants(spec, schema)
    resolved = _resolve(spec, schema)
    if not variants:
        return [] if resolved.get("type") == "null" else [f"{where}: no type"]
    problems = []
    for v in variants:
        kind = v.get("type")
        if kind is None and "enum" not in v:
            problems.append(f"{where}: no type")
        elif kind == "object":
            if not v.get("properties") or v.get("additionalProperties") not in (None, False):
                problems.append(f"{where}: free-form object (dict/Any)")
            for name, prop in v.get("properties", {}).items():
                problems += _untyped(spec, prop, f"{where}.{name}", seen)
        elif kind == "array":
            problems += _untyped(spec, v.get("items", {}), f"{where}[]", seen)
    return problems


def test_every_response_field_is_typed() -> None:
    """No `dict`, `Any` or untyped field in any response: nested models instead."""
    spec = _spec()
    problems: list[str] = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                for kind, content in response.get("content", {}).items():
                    where = f"{method.upper()} {path} {status} {kind}"
                    problems += _untyped(spec, content["schema"], where, set())
    assert problems == []


def test_every_error_answer_is_json_with_a_declared_schema() -> None:
    spec = _spec()
    error_schemas = {"#/components/schemas/ErrorOut", "#/components/schemas/ValidationErrorOut"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            label = f"{method.upper()} {path}"
            assert {"400", "422", "500"} <= set(responses), label
            if op.get("security"):
                assert {"401", "403"} <= set(responses), label
            for status, response in responses.items():
                content = response.get("content", {})
                assert set(content) == {"application/json"}, f"{label} {status}: {set(content)}"
                if status not in ERROR_STATUSES:
                    continue
                schema = content["application/json"]["schema"]
                refs = {s["$ref"] for s in schema.get("anyOf", [schema]) if "$ref" in s}
                assert refs & error_schemas, f"{label} {status} has no error schema: {schema}"
    error = spec["components"]["schemas"]["ErrorOut"]
    assert error["required"] == ["detail"] and "field" in error["properties"]
    invalid = spec["components"]["schemas"]["ValidationErrorOut"]
    assert set(invalid["required"]) == {"detail", "errors"}


def test_every_enumeration_lists_its_values() -> None:
    """`kind`, `channel`, `submitter_kind`, statuses, levels…: enums in inputs and outputs."""
    spec = _spec()
    plain: list[str] = []
    checked = 0

    def check(name: str, schema: dict[str, Any], where: str) -> None:
        nonlocal checked
        if name not in ENUM_NAMES:
            return
        checked += 1
        for v in _variants(spec, schema):
            if "enum" not in v and v.get("type") not in ("array", "object"):
                plain.append(f"{where}.{name}")

    for name, component in spec["components"]["schemas"].items():
        for prop, schema in component.get("properties", {}).items():
            check(prop, schema, name)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                check(param["name"], param["schema"], f"{method.upper()} {path}")
    assert checked >= 40
    assert plain == []


def test_enums_are_the_models_choices() -> None:
    from lianjian.needs.models import Channel, Status, SubmitterKind
    from lianjian.needs.stats import DIMENSIONS
    from lianjian.orgs.models import UnitKind

    components = _spec()["components"]["schemas"]
    assert components["NeedChannel"]["enum"] == list(Channel.values)
    assert components["NeedSubmitterKind"]["enum"] == list(SubmitterKind.values)
    assert components["NeedStatus"]["enum"] == list(Status.values)
    assert components["UnitKind"]["enum"] == list(UnitKind.values)
    assert "hotline：热线" in components["NeedChannel"]["description"]
    assert components["StatsBy"]["enum"] == list(DIMENSIONS)
    need_in = components["NeedIn"]["properties"]
    assert need_in["channel"]["allOf"] == [{"$ref": "#/components/schemas/NeedChannel"}]
    assert need_in["submitter_kind"]["allOf"] == [
        {"$ref": "#/components/schemas/NeedSubmitterKind"}
    ]
    need_out = components["NeedOut"]["properties"]
    assert need_out["channel"] == {"$ref": "#/components/schemas/NeedChannel"}


def test_idempotency_key_is_declared_wherever_it_is_honoured() -> None:
    """A generated client gets an `idempotency_key` argument on every such route."""
    import inspect

    from lianjian.api import api

    honouring = set()
    for router in {r for _, r in api._routers}:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                if "idempotency" in inspect.getsource(op.view_func).lower():
                    honouring.add(op.operation_id)
    assert "needs_create" in honouring
    spec = _spec()
    for ops in spec["paths"].values():
        for op in ops.values():
            if op["operationId"] not in honouring:
                continue
            (header,) = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
            assert header["in"] == "header" and not header["required"], op["operationId"]
            assert "422" in header["description"]


def test_bounded_ids_and_offsets() -> None:
    spec = _spec()
    # pydantic writes bounds it could not place on the type under their Python names
    text = json.dumps(spec)
    assert not any(f'"{key}": ' in text for key in ("ge", "le", "gt", "lt")), "misplaced bounds"
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                for v in _variants(spec, param["schema"]):
                    if v.get("type") == "integer":
                        assert "maximum" in v, f"{method.upper()} {path} {param['name']}"


def test_free_text_in_requests_declares_no_control_characters() -> None:
    """What `core.input_guard` and the JSON parser refuse is in the spec, for clients and fuzzers."""
    import re

    from lianjian.core.input_guard import TEXT_PATTERN

    components = _spec()["components"]["schemas"]
    name = components["UnitIn"]["properties"]["name"]
    assert name["pattern"] == TEXT_PATTERN
    assert re.fullmatch(TEXT_PATTERN, "多行\r\n\t文本") and not re.fullmatch(TEXT_PATTERN, "a\x00")
    assert "pattern" not in components["UnitOut"]["properties"]["name"]  # answers are not input
