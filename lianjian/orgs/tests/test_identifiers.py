"""One normalization of identifiers in every entry path (QUALITY.md S26): the API, the
pages, the ledger import and member search agree on what a number is, so one person
is one row and odd input is a field error, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lianjian.core.identifiers import id_number_check_char
from lianjian.ledger.importer import import_ledger
from lianjian.ledger.tests.ledger_files import xlsx
from lianjian.orgs.models import Member, Unit
from lianjian.orgs.services import id_number_index
from lianjian.orgs.tests.factories import make_id_number, make_mobile
from lianjian.orgs.tests.test_views_registry import member_data, unit_data

API = "/api/v1"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
# the finding's code: full-width digits in positions 3-8, a valid GB 32100 check character
CREDIT_CODE = "913101057JH4BXKFLH"
CREDIT_CODE_WIDE = "91３１０１０５7JH4BXKFLH"
MEMBER_HEADER = ["姓名", "身份证号", "手机号", "所在党组织"]


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def member_body(tree: Any, **over: Any) -> dict[str, Any]:
    return {"name": "钱六", "id_number": make_id_number(), "party_org": tree.org_a1.pk} | over


def unit_body(tree: Any, **over: Any) -> dict[str, Any]:
    return {"name": "甲公司", "kind": "social_org", "region": tree.community_a1.pk} | over


def with_check(first17: str) -> str:
    return first17 + id_number_check_char(first17)


def field_refusal(response: Any, field: str) -> str:
    """The API's answer to a bad identifier: a JSON field error in Chinese."""
    assert response.status_code in (400, 422), response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body.get("field") == field, body
    assert "无效" in body["detail"] or "已" in body["detail"], body
    return str(body["detail"])


def search_ids(client: Client, q: str) -> set[int]:
    response = post_json(client, f"{API}/members/search", {"q": q})
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# ---------------------------------------------------------------- the findings


def test_unit_api_takes_full_width_credit_code_instead_of_answering_500(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    c.raise_request_exception = False
    response = post_json(c, f"{API}/units", unit_body(tree, credit_code=CREDIT_CODE_WIDE))
    assert response.status_code == 201, response.content[:200]
    assert response.json()["credit_code"] == CREDIT_CODE
    assert Unit.objects.get(pk=response.json()["id"]).credit_code == CREDIT_CODE
    # the same code in ASCII is now a duplicate, however it is typed
    for variant in (CREDIT_CODE, CREDIT_CODE.lower(), "9131 0105-7JH4 BXKFLH"):
        again = post_json(c, f"{API}/units", unit_body(tree, name="乙公司", credit_code=variant))
        assert "已被其他单位使用" in field_refusal(again, "credit_code")
    assert Unit.objects.filter(credit_code=CREDIT_CODE).count() == 1


def test_unit_form_takes_full_width_credit_code(personas: Any, tree: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    c.raise_request_exception = False
    response = c.post(reverse("orgs:unit_create"), unit_data(tree, credit_code=CREDIT_CODE_WIDE))
    assert response.status_code == 302, response.content[:200]
    assert Unit.objects.filter(credit_code=CREDIT_CODE).count() == 1
    again = c.post(reverse("orgs:unit_create"), unit_data(tree, credit_code=CREDIT_CODE.lower()))
    assert again.status_code == 200
    assert "已被其他单位使用" in str(again.context["form"].errors["credit_code"])


def test_same_person_cannot_be_registered_three_times_through_the_api(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    idn = make_id_number()
    first = post_json(c, f"{API}/members", member_body(tree, id_number=idn.translate(FULL_WIDTH)))
    assert first.status_code == 201, first.content
    member = Member.objects.get(pk=first.json()["id"])
    assert member.id_number == idn and member.id_number_index == id_number_index(idn)
    ascii_again = post_json(c, f"{API}/members", member_body(tree, name="钱六", id_number=idn))
    assert "已登记" in field_refusal(ascii_again, "id_number")
    devanagari = idn[:6].translate(DEVANAGARI) + idn[6:]
    third = post_json(c, f"{API}/members", member_body(tree, id_number=devanagari))
    assert "其他文字的数字不行" in field_refusal(third, "id_number")
    assert Member.objects.filter(name="钱六").count() == 1
    # every way of typing the number finds the one row
    for q in (idn, idn.translate(FULL_WIDTH), f"{idn[:6]} {idn[6:14]} {idn[14:]}", idn.lower()):
        assert search_ids(c, q) == {member.pk}, q


def test_ledger_import_reads_ids_as_the_form_and_api_do(
    personas: Any, tree: Any, client_for: Any
) -> None:
    """Full-width positions and internal spaces: the import, the API and the form all
    take them, store the same ASCII number and see one person."""
    c = client_for(personas.street_staff)
    spaced = make_id_number()
    typed = f"{spaced[:6].translate(FULL_WIDTH)} {spaced[6:14]} {spaced[14:]}"
    api = post_json(c, f"{API}/members", member_body(tree, id_number=typed))
    assert api.status_code == 201, api.content
    assert Member.objects.get(pk=api.json()["id"]).id_number == spaced
    form_idn = make_id_number()
    form_typed = f"{form_idn[:6]}-{form_idn[6:14].translate(FULL_WIDTH)}-{form_idn[14:]}"
    page = c.post(reverse("orgs:member_create"), member_data(tree, id_number=form_typed))
    assert page.status_code == 302, page.context["form"].errors if page.context else page
    assert Member.objects.filter(id_number_index=id_number_index(form_idn)).count() == 1
    # the import of the same two people in yet other spellings updates, never duplicates
    rows = [
        MEMBER_HEADER,
        ["钱六", spaced.translate(FULL_WIDTH), "", "虹储居民区党总支"],
        ["吴小青", f"{form_idn[:9]}　{form_idn[9:]}", "", "虹储居民区党总支"],
    ]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated) == (0, 2)
    assert Member.objects.filter(id_number_index=id_number_index(spaced)).count() == 1


def test_ledger_import_refuses_what_the_api_refuses(personas: Any, tree: Any) -> None:
    good = make_id_number()
    rows = [
        MEMBER_HEADER,
        ["甲", good[:6].translate(DEVANAGARI) + good[6:], "", "虹储居民区党总支"],
        ["乙", with_check("312109198506120011"[:17]), "", "虹储居民区党总支"],
        ["丙", with_check("31010518991231001"), "", "虹储居民区党总支"],
        ["丁", make_id_number(), "139 0000 12", "虹储居民区党总支"],
        # the same person twice in one file, once full-width: a duplicate row
        ["戊", good, "", "虹储居民区党总支"],
        ["戊", good.translate(FULL_WIDTH), "", "虹储居民区党总支"],
    ]
    before = Member.objects.count()
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    reasons = {(e.row, e.column): e.reason for e in outcome.errors}
    assert "其他文字的数字不行" in reasons[(2, "身份证号")]
    assert "行政区划代码" in reasons[(3, "身份证号")]
    assert "1900年1月1日" in reasons[(4, "身份证号")]
    assert "手机号码无效" in reasons[(5, "手机号")]
    assert "与第 6 行的身份证号码重复" in reasons[(7, "身份证号")]
    assert Member.objects.count() == before


def test_ledger_import_full_width_credit_code_is_the_api_unit(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    created = post_json(c, f"{API}/units", unit_body(tree, credit_code=CREDIT_CODE))
    assert created.status_code == 201, created.content
    rows = [
        ["单位名称", "统一社会信用代码", "单位类别", "所在区域"],
        ["甲公司（更名）", "9131-0105-7JH4-BXKF-LH", "社会组织", "虹储居民区"],
    ]
    outcome = import_ledger("units", xlsx(rows), user=personas.street_staff)
    assert outcome.ok, outcome.errors
    assert (outcome.created, outcome.updated) == (0, 1)
    assert Unit.objects.get(credit_code=CREDIT_CODE).name == "甲公司（更名）"


# ---------------------------------------------------------------- the rules in every path

GOOD = make_id_number(4242, birth="19800229")
REFUSED_IDS = {
    "devanagari": (GOOD[:6].translate(DEVANAGARI) + GOOD[6:], "其他文字的数字不行"),
    "arabic_indic": (GOOD[:17] + "٠", "其他文字的数字不行"),
    "not_a_region": (with_check("00000019800229001"), "行政区划代码"),
    "born_1899": (with_check("31010518991231001"), "1900年1月1日"),
    "born_2100": (with_check("31010521000101001"), "1900年1月1日"),
    "no_such_day": (with_check("31010519810229001"), "出生日期不存在"),
    "checksum": (GOOD[:17] + ("1" if GOOD[17] == "0" else "0"), "校验码"),
    "short": (GOOD[:15], "应为18位"),
}
ACCEPTED_IDS = {
    "full_width": GOOD.translate(FULL_WIDTH),
    "spaces": f" {GOOD[:6]} {GOOD[6:14]}\u3000{GOOD[14:]} ",
    "hyphens": f"{GOOD[:6]}-{GOOD[6:14]}－{GOOD[14:]}",
    "zero_width": f"{GOOD[:9]}\u200b{GOOD[9:]}",
}


@pytest.mark.parametrize("name", sorted(REFUSED_IDS))
def test_api_and_form_refuse_bad_id_numbers(
    name: str, personas: Any, tree: Any, client_for: Any
) -> None:
    raw, reason = REFUSED_IDS[name]
    c = client_for(personas.street_staff)
    assert reason in field_refusal(
        post_json(c, f"{API}/members", member_body(tree, id_number=raw)), "id_number"
    )
    page = c.post(reverse("orgs:member_create"), member_data(tree, id_number=raw))
    assert page.status_code == 200 and reason in str(page.context["form"].errors["id_number"])
    assert not Member.objects.filter(name__in=("钱六", "吴小青")).exists()


@pytest.mark.parametrize("name", sorted(ACCEPTED_IDS))
def test_api_form_and_import_accept_odd_spellings_of_one_number(
    name: str, personas: Any, tree: Any, client_for: Any
) -> None:
    raw = ACCEPTED_IDS[name]
    c = client_for(personas.street_staff)
    created = post_json(c, f"{API}/members", member_body(tree, id_number=raw))
    assert created.status_code == 201, created.content
    assert Member.objects.get(pk=created.json()["id"]).id_number == GOOD
    page = c.post(reverse("orgs:member_create"), member_data(tree, id_number=raw))
    assert "已登记" in str(page.context["form"].errors["id_number"])
    rows = [MEMBER_HEADER, ["钱六", raw, "", "虹储居民区党总支"]]
    outcome = import_ledger("members", xlsx(rows), user=personas.street_staff)
    assert outcome.ok and outcome.updated == 1, outcome.errors
    assert Member.objects.filter(id_number_index=id_number_index(GOOD)).count() == 1


def test_lower_case_x_is_the_same_number(personas: Any, tree: Any, client_for: Any) -> None:
    first17 = next(
        f"31010519850612{n:03d}"
        for n in range(999)
        if id_number_check_char(f"31010519850612{n:03d}") == "X"
    )
    c = client_for(personas.street_staff)
    created = post_json(c, f"{API}/members", member_body(tree, id_number=first17 + "x"))
    assert created.status_code == 201, created.content
    assert Member.objects.get(pk=created.json()["id"]).id_number == first17 + "X"
    assert search_ids(c, first17 + "x") == {created.json()["id"]}


def test_mobile_spellings_are_one_number(personas: Any, tree: Any, client_for: Any) -> None:
    mobile = make_mobile()
    c = client_for(personas.street_staff)
    typed = f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}".translate(FULL_WIDTH)
    created = post_json(c, f"{API}/members", member_body(tree, mobile=typed))
    assert created.status_code == 201, created.content
    member = Member.objects.get(pk=created.json()["id"])
    assert member.mobile == mobile
    assert search_ids(c, mobile) == search_ids(c, typed) == {member.pk}
    bad = post_json(c, f"{API}/members", member_body(tree, mobile="१३९" + mobile[3:]))
    assert "手机号码无效" in field_refusal(bad, "mobile")
    page = c.post(reverse("orgs:member_create"), member_data(tree, mobile="139 0000 12"))
    assert "手机号码无效" in str(page.context["form"].errors["mobile"])


def test_page_search_finds_one_row_by_any_spelling(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    idn = tree.member_a2.id_number
    for q in (idn.translate(FULL_WIDTH), f"{idn[:6]} {idn[6:]}", f"{idn[:6]}-{idn[6:]}"):
        location = c.post(reverse("orgs:member_list"), {"q": q})["Location"]
        assert "qi=" in location and idn not in location, q
        html = c.get(location).content.decode()
        assert "林二" in html and "陈一" not in html, q


def test_unit_search_by_spelled_credit_code(personas: Any, tree: Any, client_for: Any) -> None:
    c = client_for(personas.street_staff)
    code = tree.unit_a2.credit_code
    spelled = f"{code[:4]}-{code[4:]}".lower().translate(FULL_WIDTH)
    found = c.get(f"{API}/units", {"q": spelled}).json()["items"]
    assert [u["id"] for u in found] == [tree.unit_a2.pk]


# ---------------------------------------------------------------- odd input never answers 500

ODD = ["\x00", "\ufeff310105", "३१०१०५", "①②③", "𝟑𝟏𝟎", "٣١٠", "ｘ", "ß" * 9, "\u202e18", " " * 31]
# accepted by the old checks (`\d` matches any script's digits): stored, or a 500
DEVANAGARI_ID = make_id_number(4343)[:6].translate(DEVANAGARI) + make_id_number(4343)[6:]
DEVANAGARI_CODE = CREDIT_CODE[:2] + CREDIT_CODE[2:8].translate(DEVANAGARI) + CREDIT_CODE[8:]
# JSON carries lone surrogates ("\ud800"); a form post is UTF-8 and cannot
WEIRD_JSON = st.text(max_size=30) | st.sampled_from([*ODD, "\ud800310105", "\udfff"])
WEIRD_FORM = st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.sampled_from(ODD)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(idn=WEIRD_JSON, mobile=WEIRD_JSON, code=WEIRD_JSON)
@example(idn=DEVANAGARI_ID, mobile="１３９００００１１１１", code=DEVANAGARI_CODE)
def test_weird_unicode_is_a_field_error_in_the_api(
    idn: str, mobile: str, code: str, personas: Any, tree: Any, client_for: Any
) -> None:
    """Never a 500 or HTML; what is accepted is stored as its ASCII normal form."""
    c = client_for(personas.street_staff)
    c.raise_request_exception = False
    member = post_json(c, f"{API}/members", member_body(tree, id_number=idn, mobile=mobile))
    assert member.status_code in (201, 400, 422), member.content[:300]
    assert member["Content-Type"].startswith("application/json")
    if member.status_code == 400:
        assert member.json()["field"] in ("id_number", "mobile")
    if member.status_code == 201:
        stored = Member.objects.get(pk=member.json()["id"])
        assert stored.id_number.isascii() and stored.mobile.isascii()
    unit = post_json(c, f"{API}/units", unit_body(tree, name=f"单位{len(code)}", credit_code=code))
    assert unit.status_code in (201, 400, 422), unit.content[:300]
    assert unit["Content-Type"].startswith("application/json")
    if unit.status_code == 400:
        assert unit.json()["field"] == "credit_code"
    Member.objects.filter(name="钱六").delete()
    Unit.objects.filter(name__startswith="单位").delete()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(idn=WEIRD_FORM, mobile=WEIRD_FORM, code=WEIRD_FORM)
@example(idn=DEVANAGARI_ID, mobile="१३९", code=DEVANAGARI_CODE)
def test_weird_unicode_is_a_field_error_on_the_pages(
    idn: str, mobile: str, code: str, personas: Any, tree: Any, client_for: Any
) -> None:
    from lianjian.core.input_guard import has_bad_character

    c = client_for(personas.street_staff)
    c.raise_request_exception = False
    page = c.post(reverse("orgs:member_create"), member_data(tree, id_number=idn, mobile=mobile))
    if has_bad_character(idn + mobile):
        # control characters never reach a form: the input guard answers 400 in Chinese (R7)
        assert page.status_code == 400 and "控制字符" in page.content.decode(), page.content[:300]
    else:
        assert page.status_code in (200, 302), page.content[:300]
    if page.status_code == 200:
        errors = page.context["form"].errors
        assert set(errors) <= {"id_number", "mobile"} and errors, errors
    page = c.post(
        reverse("orgs:unit_create"), unit_data(tree, name=f"单位{len(code)}", credit_code=code)
    )
    if has_bad_character(code):
        assert page.status_code == 400, page.content[:300]
    else:
        assert page.status_code in (200, 302), page.content[:300]
    if page.status_code == 200:
        assert set(page.context["form"].errors) == {"credit_code"}
    Member.objects.filter(name="吴小青").delete()
    Unit.objects.filter(name__startswith="单位").delete()


def test_edits_refuse_another_members_number_in_any_spelling(
    personas: Any, tree: Any, client_for: Any
) -> None:
    c = client_for(personas.street_staff)
    other = tree.member_a2.id_number
    spelled = f"{other[:6]} {other[6:]}".translate(FULL_WIDTH).lower()
    response = c.patch(
        f"{API}/members/{tree.member_a1.pk}",
        data=json.dumps({"id_number": spelled}),
        content_type="application/json",
    )
    assert "已登记" in field_refusal(response, "id_number")
    page = c.post(
        reverse("orgs:member_edit", args=[tree.member_a1.pk]),
        member_data(tree, name="陈一", id_number=spelled),
    )
    assert "已登记" in str(page.context["form"].errors["id_number"])
    assert Member.objects.get(pk=tree.member_a1.pk).id_number == tree.member_a1.id_number
