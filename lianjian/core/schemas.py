"""Types shared by every app's API schemas: bounded numbers, named enums, error bodies.

Ids and offsets are bounded so that no number a client sends can overflow a
database column (QUALITY.md R7): ids by the bigint of `BigAutoField`, counts
by the 32-bit columns that hold them. Enumerations are the models' own
`TextChoices`, given a name of their own in the spec (`RegionLevel`,
`PartyOrgLevel`): ninja files schemas by class name, and several models call
their choices `Level` or `Status`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.db.models import Choices
from ninja import Field, Schema
from ninja.params import functions as params
from pydantic import BeforeValidator, ConfigDict, Strict, WithJsonSchema

BIGINT_MAX = 2**63 - 1
# PositiveIntegerField and IntegerField hold 32-bit values on every database
INT32_MAX = 2**31 - 1
# no list holds more rows; far enough below bigint that offset + limit never overflows
OFFSET_MAX = 10**9


def _whole_number(value: Any) -> Any:
    """JSON Schema's integer: `5` and `5.0`, never `true` (a strict body refuses `"5"`)."""
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer as JSON Schema means it (in a query string, its digits); the validator comes
# last so that pydantic keeps the bounds as `minimum`/`maximum` in the schema.
WHOLE = BeforeValidator(_whole_number)
# An object id in a body or a query string.
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX), WHOLE]
# An object id in the path: `/units/{unit_id}`.
PathId = Annotated[int, params.Path(ge=1, le=BIGINT_MAX)]
# A count stored in a 32-bit column (employees): bounded above; the services refuse
# negatives with their own message (a 400 naming the field).
Count = Annotated[int, Field(le=INT32_MAX), WHOLE]
# A page: `limit` rows after skipping `offset`.
PageLimit = Annotated[int, Field(ge=1, le=100), WHOLE]
PageOffset = Annotated[int, Field(ge=0, le=OFFSET_MAX), WHOLE]

# The IETF idempotency-key header (draft-ietf-httpapi-idempotency-key-header): a retry with
# the same key and the same body returns the first result; with another body, 422.
IDEMPOTENCY_KEY_MAX = 100
IdempotencyKey = Annotated[
    str | None,
    params.Header(
        None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=r"^[\x21-\x7e]+$",  # printable ASCII, as a header carries it (a UUID, say)
        description="幂等键（如 UUID）：重试时带上同一个键，只会登记一次；"
        "同一个键配上不同的请求内容答复 422",
    ),
]


# In a strict body (`InputSchema`) enums and dates still read from their JSON strings.
LAX = Strict(False)


def choices_schema(choices: type[Choices], name: str) -> WithJsonSchema:
    """The JSON schema of a model's choices, named `name`, its labels in the description.

    Use as `TypeAliasType(name, Annotated[Model.Choice, LAX, choices_schema(...)])`:
    pydantic then files it under that name, and ninja puts it in
    `components/schemas` for every operation to share.
    """
    labels = "；".join(f"{value}：{label}" for value, label in choices.choices)
    return WithJsonSchema(
        {"title": name, "type": "string", "enum": list(choices.values), "description": labels}
    )


def _blank_as_none(value: Any) -> Any:
    return None if value == "" else value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Only `YYYY-MM-DD` (or a date): pydantic alone reads `0` or `1700000000` as dates."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("应为日期，格式为 YYYY-MM-DD")


# A date a client sends: in a body or a query string.
IsoDate = Annotated[dt.date, LAX, BeforeValidator(_iso_date)]

# RFC 3339's date-time, as the spec's `format: date-time` says: the offset is required.
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})"
)


def _iso_datetime(value: Any) -> Any:
    """Only an RFC 3339 date-time (or an aware datetime): pydantic alone reads `0` as 1970."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value):
        return value
    raise ValueError("应为日期时间，格式如 2026-03-01T09:00:00+08:00")


# A date and time a client sends in a body (a strict one reads no string as a datetime).
IsoDateTime = Annotated[dt.datetime, LAX, BeforeValidator(_iso_datetime)]


# An optional choice stored as "" when unset (a need's rating, a member's gender): null in the API.
BlankAsNone = BeforeValidator(_blank_as_none)


class InputSchema(Schema):
    """A JSON body, read as its schema says: a field the schema does not know is refused (a
    typo never passes silently), and `"5"`, `0` or `1.0` are no integer or boolean there
    (query strings, all text, stay lax)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorOut(Schema):
    """Every refusal: 400, 401, 403, 404, 409, 429, 500 (422 adds `errors`)."""

    detail: str = Field(description="中文错误说明")
    field: str | None = Field(None, description="出错的字段（已知时）")


class FieldErrorOut(Schema):
    type: str = Field(description="错误类型（pydantic 的类型代码，如 missing、string_too_long）")
    loc: list[str | int] = Field(description='出错位置，如 ["body", "payload", "name"]')
    msg: str = Field(description="中文说明")


class ValidationErrorOut(Schema):
    """422: the request does not match the schema; one entry per field."""

    detail: str = Field(description="中文错误说明")
    errors: list[FieldErrorOut] = Field(description="逐项校验错误")
