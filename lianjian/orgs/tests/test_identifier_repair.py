"""Rows stored before the one normalization: migration 0008 repairs what it can, leaves
collisions untouched and says so; `lianjian identifiers_check` lists them."""

from __future__ import annotations

import importlib
import io
from typing import Any

from django.apps import apps as live_apps
from django.core.management import call_command

from lianjian.core import crypto
from lianjian.core.masking import mask
from lianjian.orgs.models import Member, Unit
from lianjian.orgs.services_members import member_find_by_id_number
from lianjian.orgs.tests.factories import make_credit_code, make_id_number, make_member, make_unit

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
migration = importlib.import_module("lianjian.orgs.migrations.0009_normalize_identifiers")


def legacy(member: Member, id_number: str | None = None, mobile: str | None = None) -> None:
    """Store values as the old code did: as typed, the blind index over that text."""
    values: dict[str, str] = {}
    if id_number is not None:
        values |= {
            "id_number": id_number,
            "id_number_index": crypto.blind_index(id_number, "member.id_number"),
        }
    if mobile is not None:
        values |= {"mobile": mobile, "mobile_index": crypto.blind_index(mobile, "member.mobile")}
    Member.objects.filter(pk=member.pk).update(**values)


def stored(member: Member) -> tuple[Any, ...]:
    m = Member.objects.get(pk=member.pk)
    return m.id_number, m.id_number_index, m.mobile, m.mobile_index, m.updated_at


def legacy_world(tree: Any) -> dict[str, Any]:
    wide, same_a, odd = make_member(tree.org_a1), make_member(tree.org_a1), make_member(tree.org_a2)
    same_b = make_member(tree.org_a2)
    legacy(wide, wide.id_number.translate(FULL_WIDTH), wide.mobile.translate(FULL_WIDTH))
    # the finding: one person twice, once full-width, once ASCII
    legacy(same_a, same_b.id_number.translate(FULL_WIDTH))
    legacy(odd, odd.id_number[:6].translate(DEVANAGARI) + odd.id_number[6:])
    code = make_credit_code()
    lower, twin = make_unit(tree.community_a1), make_unit(tree.community_a2, credit_code=code)
    twin_wide = make_unit(tree.community_a2)
    Unit.objects.filter(pk=lower.pk).update(credit_code=str(lower.credit_code).lower())
    Unit.objects.filter(pk=twin_wide.pk).update(credit_code=code.translate(FULL_WIDTH))
    return {
        "wide": wide,
        "same_a": same_a,
        "same_b": same_b,
        "odd": odd,
        "lower": lower,
        "twin": twin,
        "twin_wide": twin_wide,
        "code": code,
    }


def test_migration_normalizes_what_no_collision_blocks(tree: Any, capsys: Any) -> None:
    w = legacy_world(tree)
    wide_id, wide_mobile = Member.objects.get(pk=w["wide"].pk).id_number, w["wide"].mobile
    assert member_find_by_id_number(w["wide"].id_number) is None  # hashed over full-width
    untouched = {k: stored(w[k]) for k in ("same_a", "same_b", "odd")}
    twin_wide_code = Unit.objects.get(pk=w["twin_wide"].pk).credit_code

    migration.normalize_identifiers(live_apps, None)

    wide = Member.objects.get(pk=w["wide"].pk)
    assert wide_id != wide.id_number == w["wide"].id_number and wide.mobile == wide_mobile
    assert member_find_by_id_number(w["wide"].id_number) == wide
    assert Member.objects.filter(mobile_index=w["wide"].mobile_index).get() == wide
    # the colliding pair and the Devanagari number are exactly as they were
    assert {k: stored(w[k]) for k in untouched} == untouched
    assert Unit.objects.get(pk=w["lower"].pk).credit_code == w["lower"].credit_code
    assert Unit.objects.get(pk=w["twin_wide"].pk).credit_code == twin_wide_code
    out = capsys.readouterr().out
    pair = next(line for line in out.splitlines() if f"#{w['same_a'].pk} " in line)
    assert "冲突 身份证号" in pair and f"#{w['same_b'].pk} " in pair
    assert mask(w["same_b"].id_number, "id_number") in pair and w["same_b"].id_number not in out
    assert f"#{w['twin'].pk} " in out and f"#{w['twin_wide'].pk} " in out
    assert f"#{w['odd'].pk} " in out and "其他文字的数字不行" in out
    assert "请人工合并或更正" in out

    # a second run finds nothing more to rewrite
    before = [stored(m) for m in Member.objects.order_by("pk")]
    migration.normalize_identifiers(live_apps, None)
    assert [stored(m) for m in Member.objects.order_by("pk")] == before
    assert "规范化了" in capsys.readouterr().out  # the listing repeats: still unresolved


def test_migration_on_clean_data_changes_nothing_and_says_nothing(tree: Any, capsys: Any) -> None:
    before = [stored(m) for m in Member.objects.order_by("pk")]
    codes = list(Unit.objects.order_by("pk").values_list("credit_code", flat=True))
    migration.normalize_identifiers(live_apps, None)
    assert [stored(m) for m in Member.objects.order_by("pk")] == before
    assert list(Unit.objects.order_by("pk").values_list("credit_code", flat=True)) == codes
    assert capsys.readouterr().out == ""


def test_command_lists_collisions_then_repairs_once_resolved(tree: Any) -> None:
    w = legacy_world(tree)
    out = io.StringIO()
    call_command("identifiers_check", stdout=out)
    text = out.getvalue()
    assert f"#{w['same_a'].pk} " in text and f"#{w['same_b'].pk} " in text
    assert f"冲突 统一社会信用代码 {w['code']}" in text
    assert "冲突 2 组（其中 2 组须人工合并或更正），无效号码 1 个" in text, text
    assert Member.objects.get(pk=w["wide"].pk).id_number != w["wide"].id_number  # read only

    # a person resolves the pair (the ASCII record was the stray one), then repairs
    Member.objects.filter(pk=w["same_b"].pk).delete()
    Unit.objects.filter(pk=w["twin"].pk).delete()
    out = io.StringIO()
    call_command("identifiers_check", "--repair", stdout=out)
    assert "冲突 0 组" in out.getvalue(), out.getvalue()
    same_a = Member.objects.get(pk=w["same_a"].pk)
    assert same_a.id_number == w["same_b"].id_number
    assert member_find_by_id_number(w["same_b"].id_number) == same_a
    assert Unit.objects.get(pk=w["twin_wide"].pk).credit_code == w["code"]


def test_shared_mobiles_are_listed_but_do_not_block(tree: Any) -> None:
    a, b = make_member(tree.org_a1), make_member(tree.org_a1, mobile="13900001111")
    legacy(a, mobile="１３９００００１１１１")
    out = io.StringIO()
    call_command("identifiers_check", "--repair", stdout=out)
    assert "冲突 手机号 139****1111" in out.getvalue()
    assert "其中 0 组须人工合并" in out.getvalue()
    assert Member.objects.get(pk=a.pk).mobile == "13900001111"
    assert set(Member.objects.filter(mobile_index=b.mobile_index)) == {a, b}


def test_ids_made_by_the_factories_are_valid() -> None:
    from lianjian.core.identifiers import admin_division_codes, is_valid_id_number
    from lianjian.orgs import demo

    assert all(is_valid_id_number(make_id_number(n)) for n in (0, 498, 499, 10_000, 3_000_000))
    assert set(demo._HOME_REGIONS) <= admin_division_codes()
