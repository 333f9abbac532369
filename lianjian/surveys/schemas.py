"""Schemas of the surveys API (`surveys/api.py`): bodies and answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import WithJsonSchema
from typing_extensions import TypeAliasType

from lianjian.alliances.schemas import ProposalCategory, ProposalStatus
from lianjian.core.input_guard import TEXT_PATTERN
from lianjian.core.schemas import LAX, ErrorOut, Id, InputSchema, IsoDateTime, choices_schema
from lianjian.surveys.definition import KINDS, MAX_QUESTIONS, MAX_TITLE
from lianjian.surveys.models import Response, Survey

READ_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
}


# a JSON Schema object (pydantic's `JsonSchemaValue` is `dict[str, Any]` too)
def _object(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        shape["required"] = list(required)
    return shape


_KEY = {"type": "string", "pattern": "^[A-Za-z0-9_]{1,32}$"}
_CHOICES = {
    "type": "array",
    "maxItems": 100,
    "items": _object({"key": _KEY, "label": {"type": "string", "maxLength": MAX_TITLE}}),
}
# What a definition holds (`surveys.definition.clean_definition` checks it and answers each
# problem in Chinese): the schema documents it, so clients and the fuzz suite send its shape.
DEFINITION_SCHEMA = _object(
    {
        "questions": {
            "type": "array",
            "maxItems": MAX_QUESTIONS,
            "items": _object(
                {
                    "key": _KEY,
                    "kind": {"type": "string", "enum": sorted(KINDS)},
                    "title": {"type": "string", "maxLength": MAX_TITLE},
                    "required": {"type": "boolean"},
                    "options": _CHOICES,
                    "rows": _CHOICES,
                    "min": {"type": "number"},
                    "max": {"type": "number"},
                    "max_choices": {"type": "integer", "minimum": 1},
                    "subject": {"type": "string", "maxLength": 100},
                    "group": {"type": "string", "maxLength": 100},
                    "show_if": _object(
                        {"question": _KEY, "in": {"type": "array", "items": _KEY}},
                        ("question", "in"),
                    ),
                },
                ("kind", "title"),
            ),
        }
    }
)
Definition = Annotated[dict[str, Any], WithJsonSchema(DEFINITION_SCHEMA)]
# answers by question key: a choice's option key, several of them, a number, a text, or a
# matrix's option per row (`surveys.definition.clean_answers` checks them against the survey)
ANSWERS_SCHEMA = {
    "type": "object",
    "propertyNames": _KEY,
    "maxProperties": MAX_QUESTIONS,
    "additionalProperties": {
        "anyOf": [
            {"type": "string", "maxLength": 5000, "pattern": TEXT_PATTERN},
            {"type": "number"},
            {"type": "array", "maxItems": 100, "items": _KEY},
            {"type": "object", "propertyNames": _KEY, "additionalProperties": _KEY},
        ]
    },
}
Answers = Annotated[dict[str, Any], WithJsonSchema(ANSWERS_SCHEMA)]


SurveyKind = TypeAliasType(
    "SurveyKind", Annotated[str, LAX, choices_schema(Survey.Kind, "SurveyKind")]
)
SurveyStatus = TypeAliasType(
    "SurveyStatus", Annotated[str, LAX, choices_schema(Survey.Status, "SurveyStatus")]
)
ResponseStatus = TypeAliasType(
    "ResponseStatus", Annotated[str, LAX, choices_schema(Response.Status, "ResponseStatus")]
)
QuestionKind = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(KINDS)})]


class SurveyOut(Schema):
    id: int
    title: str
    kind: SurveyKind
    audience: str = Field(description="units 单位 / members 党员 / public 公开链接")
    status: SurveyStatus
    region_id: int
    anonymous: bool
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    target_count: int = Field(description="发放对象数（公开链接为 0）")
    submitted_count: int = Field(description="已提交份数（全部范围）")


class SurveyDetailOut(SurveyOut):
    intro: str
    version: int = Field(description="当前题目版本号")
    definition: Definition = Field(description="题目定义 {questions: [...]}")


class SurveyIn(InputSchema):
    title: str = Field(max_length=200)
    region_id: Id = Field(description="发起单位（区或街道）")
    audience: str = Field(description="units / members / public")
    intro: str = Field("", max_length=5000)
    definition: Definition = Field(default_factory=dict, description="题目定义，可先为空")
    anonymous: bool = False
    login_required: bool = True
    opens_at: IsoDateTime | None = None
    closes_at: IsoDateTime | None = None
    unit_kinds: list[str] = Field(default_factory=list, max_length=20)
    industries: list[str] = Field(default_factory=list, max_length=50)
    target_area_id: Id | None = None
    unit_ids: list[Id] = Field(default_factory=list, max_length=5000)


class DefinitionIn(InputSchema):
    definition: Definition


class VersionOut(Schema):
    version: int
    frozen: bool


class CountOut(Schema):
    count: int


class OptionOut(Schema):
    key: str
    label: str
    n: int
    share: float | None = Field(description="占作答人数的百分比（一位小数）")


class CellOut(Schema):
    key: str
    label: str
    n: int


class MatrixRowOut(Schema):
    key: str
    label: str
    cells: list[CellOut]


class WordOut(Schema):
    word: str
    count: int


class QuestionResultOut(Schema):
    key: str
    kind: QuestionKind
    title: str
    answered: int
    options: list[OptionOut] | None = None
    mean: float | None = None
    rows: list[MatrixRowOut] | None = None
    words: list[WordOut] | None = Field(None, description="填空题的高频词（jieba 分词）")

    @staticmethod
    def resolve_words(obj: object) -> list[dict[str, object]] | None:
        # a question of `selectors.results` (a dict) or an object carrying `words`
        words = obj.get("words") if isinstance(obj, dict) else getattr(obj, "words", None)
        return None if words is None else [{"word": w, "count": n} for w, n in words]


class RateOut(Schema):
    targets: int | None
    submitted: int
    rate: float | None = Field(description="回收率（百分比，一位小数）")


class ResultsOut(Schema):
    version: int
    respondents: int
    rate: RateOut
    questions: list[QuestionResultOut]


class CrosstabRowOut(Schema):
    key: str
    label: str
    cells: list[int]
    total: int


class CrosstabOut(Schema):
    row_title: str
    col_title: str
    columns: list[str]
    rows: list[CrosstabRowOut]


class NeedsRaiseIn(InputSchema):
    question: str = Field(max_length=32)
    option: str = Field(max_length=32)
    contact_phone: str = Field(max_length=20)
    note: str = Field("", max_length=500)


class ProposalFileIn(InputSchema):
    """A proposal to a joint-meeting body from the responses that chose `option`."""

    question: str = Field(max_length=32, description="题目编号")
    option: str = Field(max_length=32, description="选项编号")
    body_id: Id = Field(description="提交至联席会议 id")
    unit_id: Id = Field(description="提出单位 id（该联席会议的成员单位）")
    title: str = Field(max_length=100, description="议案标题")
    content: str = Field(max_length=5000, description="议案内容")
    category: ProposalCategory = Field(description="类别")


class ProposalLinkOut(Schema):
    """A proposal filed from this survey's answers; `created` is false when the same option
    had been filed to the same body before (nothing new was written)."""

    proposal_id: Id
    body_id: Id
    body_name: str
    title: str
    status: ProposalStatus
    question: str
    option: str
    responses: int = Field(ge=0)
    created: bool = False


class RowChoiceOut(Schema):
    row: str
    option: str


class AnswerOut(Schema):
    """One question's saved answer: `value` (a text, or the chosen option's key), `values`
    (several options), `number`, or `rows` (a matrix's option per row)."""

    question: str
    value: str | None = None
    values: list[str] | None = None
    number: float | None = None
    rows: list[RowChoiceOut] | None = None


def answers_out(answers: Mapping[str, object]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for key, given in answers.items():
        item: dict[str, object] = {"question": key}
        if isinstance(given, bool) or given is None:
            continue
        if isinstance(given, (int, float)):
            item["number"] = float(given)
        elif isinstance(given, list):
            item["values"] = [str(v) for v in given]
        elif isinstance(given, dict):
            item["rows"] = [{"row": str(r), "option": str(o)} for r, o in given.items()]
        else:
            item["value"] = str(given)
        out.append(item)
    return out


class AnswerFormOut(Schema):
    survey: SurveyDetailOut
    respondent: str
    status: ResponseStatus | None = Field(description="无答卷为 null")
    answers: list[AnswerOut]

    @staticmethod
    def resolve_answers(obj: object) -> list[dict[str, object]]:
        given = obj.get("answers") if isinstance(obj, dict) else getattr(obj, "answers", None)
        return answers_out(given or {})


class ResponseIn(InputSchema):
    answers: Answers
    submit: bool = False
    unit_id: Id | None = Field(None, description="管理多个单位时，代哪个单位填写")


class ResponseOut(Schema):
    id: int
    status: ResponseStatus
    submitted_at: dt.datetime | None


class AnswerErrorOut(Schema):
    question: str = Field(description="题目编号")
    message: str


class AnswerErrorsOut(Schema):
    detail: str
    field: str | None = None
    errors: list[AnswerErrorOut] = Field(default_factory=list, description="逐题的错误说明")
