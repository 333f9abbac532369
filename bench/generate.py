"""Generate the district or city dataset of QUALITY.md into PostgreSQL with COPY.

    python bench/generate.py district     # 1 district: 30k units, ~3k orgs, 100k members
    python bench/generate.py city         # 10 districts: 300k units, ~100k orgs, 2.5M members

Rows are shaped as the services write them (ancestor ids, treebeard paths,
encrypted ID numbers and mobiles with blind indexes, coverage history), but
written with COPY so the city set seeds in minutes. The registry tables of
the benchmark database are emptied first. Needs are not generated here (the
needs app owns its own generator).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from typing import Any

from common import setup

SCALES = {
    # districts, streets/district, communities/street, areas/street, units, branches, members (per district)
    "district": (1, 10, 12, 3, 30_000, 3_000, 100_000),
    "city": (10, 10, 12, 3, 30_000, 10_000, 250_000),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup(create=True)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    counts = generate(args.scale, random.Random(args.seed))
    print(f"{args.scale}: {counts} in {time.monotonic() - started:.1f} s")


def copy(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY with explicit ids (`core.bulkcopy`), then the id sequence moved past them."""
    from lianjian.core.bulkcopy import copy_rows, sequence_reset

    n = copy_rows(table, columns, rows)
    sequence_reset(table)
    return n


def generate(scale: str, rng: random.Random) -> dict[str, int]:
    from django.db import connection, transaction

    from lianjian.core import crypto
    from lianjian.core.naturalsort import natural_sort_key
    from lianjian.core.validators import (
        CREDIT_CODE_ALPHABET,
        credit_code_check_char,
        id_number_check_char,
    )
    from lianjian.orgs.models import PartyOrg, Region
    from lianjian.orgs.services_members import unit_member_dates_refresh

    districts, streets_per, communities_per, areas_per, units_per, branches_per, members_per = (
        SCALES[scale]
    )
    now = dt.datetime.now(dt.UTC)
    today = dt.date.today()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orgs_member, orgs_orgunitcoverage, orgs_partyorg, orgs_unit, orgs_importjob,"
            " accounts_grant, orgs_region RESTART IDENTITY CASCADE"
        )
    counts: dict[str, int] = {}
    regions: list[tuple[Any, ...]] = []
    places: dict[int, list[tuple[int, int, int | None, int | None, int | None]]] = {}
    rid = 0
    for d in range(districts):
        rid += 1
        d_id, d_path = rid, Region._get_path(None, 1, d + 1)
        regions.append(
            (
                d_id,
                d_path,
                1,
                streets_per,
                f"基准区{d + 1:02d}",
                "district",
                "residential",
                None,
                None,
                None,
            )
        )
        places[d_id] = []
        for s in range(streets_per):
            rid += 1
            s_id, s_path = rid, Region._get_path(d_path, 2, s + 1)
            regions.append(
                (
                    s_id,
                    s_path,
                    2,
                    communities_per + areas_per,
                    f"基准区{d + 1:02d}街道{s + 1:02d}",
                    "street",
                    "residential",
                    d_id,
                    None,
                    None,
                )
            )
            for c in range(communities_per):
                rid += 1
                c_path = Region._get_path(s_path, 3, c + 1)
                regions.append(
                    (
                        rid,
                        c_path,
                        3,
                        0,
                        f"基准区{d + 1:02d}街道{s + 1:02d}社区{c + 1:02d}",
                        "community",
                        "residential",
                        d_id,
                        s_id,
                        None,
                    )
                )
                places[d_id].append((rid, d_id, s_id, rid, None))
            for a in range(areas_per):
                rid += 1
                a_path = Region._get_path(s_path, 3, communities_per + a + 1)
                kind = ("building", "park", "market")[a % 3]
                regions.append(
                    (
                        rid,
                        a_path,
                        3,
                        0,
                        f"基准区{d + 1:02d}街道{s + 1:02d}功能区{a + 1}",
                        "area",
                        kind,
                        d_id,
                        s_id,
                        None,
                    )
                )
                places[d_id].append((rid, d_id, s_id, None, rid))
    counts["regions"] = copy(
        "orgs_region",
        [
            "id",
            "path",
            "depth",
            "numchild",
            "name",
            "level",
            "area_type",
            "district_ref_id",
            "street_ref_id",
            "community_ref_id",
            "code",
            "is_active",
            "created_at",
            "updated_at",
            "sort_key",
        ],
        ((*r, "", True, now, now, natural_sort_key(r[4])) for r in regions),
    )

    kinds = (
        ["private_enterprise"] * 55
        + ["social_org"] * 8
        + ["individual_business"] * 25
        + ["community_team"] * 5
        + ["government", "institution", "state_enterprise"] * 2
        + ["state_enterprise"]
    )
    industries = [
        "信息技术",
        "商务服务",
        "批发零售",
        "餐饮住宿",
        "文化创意",
        "金融服务",
        "物流运输",
        "制造业",
    ]

    def credit_code(n: int) -> str:
        body, v = "", n
        for _ in range(9):
            body = CREDIT_CODE_ALPHABET[v % 31] + body
            v //= 31
        first17 = "91310000" + body
        return first17 + credit_code_check_char(first17)

    unit_rows: list[tuple[Any, ...]] = []
    units_by_district: dict[int, list[tuple[int, str, int, int, int | None, int | None]]] = {}
    uid = 0
    for d_id, spots in places.items():
        units_by_district[d_id] = []
        for _ in range(units_per):
            uid += 1
            place = spots[uid % len(spots)]
            kind = rng.choice(kinds)
            reg = today - dt.timedelta(days=rng.randint(30, 6000))
            dereg = today - dt.timedelta(days=rng.randint(1, 400)) if rng.random() < 0.03 else None
            code = None if kind == "community_team" else credit_code(uid)
            unit_rows.append(
                (
                    uid,
                    f"基准单位{uid:07d}",
                    code,
                    kind,
                    rng.choice(industries),
                    rng.randint(0, 500),
                    kind == "private_enterprise" and rng.random() < 0.02,
                    False,
                    place[0],
                    "",
                    "联络员" if rng.random() < 0.2 else "",
                    reg,
                    dereg,
                    dereg is None,
                    place[1],
                    place[2],
                    place[3],
                    place[4],
                    now,
                    now,
                )
            )
            units_by_district[d_id].append((uid, kind, place[0], place[1], place[2], place[3]))
    counts["units"] = copy(
        "orgs_unit",
        [
            "id",
            "name",
            "credit_code",
            "kind",
            "industry",
            "employees",
            "is_above_scale",
            "is_foreign_invested",
            "region_id",
            "address",
            "liaison_name",
            "registered_on",
            "deregistered_on",
            "is_active",
            "district_id",
            "street_id",
            "community_id",
            "area_id",
            "created_at",
            "updated_at",
        ],
        unit_rows,
    )
    del unit_rows

    org_rows: list[tuple[Any, ...]] = []
    links: list[tuple[Any, ...]] = []
    branches_by_district: dict[int, list[tuple[int, int, int | None, int | None, int | None]]] = {}
    oid = lid = 0
    for dn, (d_id, units) in enumerate(units_by_district.items()):
        oid += 1
        committee_path = PartyOrg._get_path(None, 1, dn + 1)
        org_rows.append(
            (
                oid,
                committee_path,
                1,
                branches_per,
                f"基准区{dn + 1:02d}两新综合党委",
                "committee",
                "joint",
                "regional",
                d_id,
                today - dt.timedelta(days=7000),
                None,
                d_id,
                None,
                None,
                None,
            )
        )
        lx = [u for u in units if u[1] in ("private_enterprise", "social_org")]
        rng.shuffle(lx)
        branches_by_district[d_id] = []
        cursor_u = 0
        for b in range(branches_per):
            oid += 1
            single = b % 5 < 3
            take = 1 if single else 3
            group = lx[cursor_u : cursor_u + take]
            cursor_u += take
            region_id, district, street, community, area = (
                (group[0][2], group[0][3], group[0][4], group[0][5], None)
                if group
                else places[d_id][b % len(places[d_id])]
            )
            founded = today - dt.timedelta(days=rng.randint(30, 3000))
            dissolved = (
                today - dt.timedelta(days=rng.randint(1, 20)) if rng.random() < 0.01 else None
            )
            org_rows.append(
                (
                    oid,
                    PartyOrg._get_path(committee_path, 2, b + 1),
                    2,
                    0,
                    f"基准党支部{oid:07d}",
                    "branch",
                    "single" if single else "joint",
                    "independent" if single else "regional",
                    region_id,
                    founded,
                    dissolved,
                    district,
                    street,
                    community,
                    area,
                )
            )
            branches_by_district[d_id].append((oid, region_id, street, community, area))
            for u in group:
                lid += 1
                links.append((lid, oid, u[0], founded, dissolved))
    counts["party_orgs"] = copy(
        "orgs_partyorg",
        [
            "id",
            "path",
            "depth",
            "numchild",
            "name",
            "level",
            "formation",
            "org_type",
            "region_id",
            "founded_on",
            "dissolved_on",
            "district_id",
            "street_id",
            "community_id",
            "area_id",
            "secretary_name",
            "is_active",
            "created_at",
            "updated_at",
            "sort_key",
        ],
        ((*r, "", r[10] is None, now, now, natural_sort_key(r[4])) for r in org_rows),
    )
    counts["coverage_links"] = copy(
        "orgs_orgunitcoverage", ["id", "party_org_id", "unit_id", "since", "until"], links
    )
    del org_rows, links

    def members() -> Iterable[tuple[Any, ...]]:
        mid = 0
        for d_id, branches in branches_by_district.items():
            units = units_by_district[d_id]
            communities = [p[0] for p in places[d_id] if p[3]]
            for _ in range(members_per):
                mid += 1
                branch = branches[mid % len(branches)]
                birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 17000))
                first17 = f"310105{birth:%Y%m%d}{mid % 1000:03d}"
                # the serial alone is not unique: fold the member id into the region digits
                first17 = f"{310000 + mid // 1000 % 100000:06d}"[:6] + first17[6:]
                idn = first17 + id_number_check_char(first17)
                mobile = f"139{mid:08d}"
                unit = units[rng.randrange(len(units))][0] if rng.random() < 0.6 else None
                floating = rng.random() < 0.03
                yield (
                    mid, f"党员{mid:07d}", "M" if int(first17[16]) % 2 else "F",
                    crypto.encrypt(idn, "member.id_number"), crypto.blind_index(idn, "member.id_number"),
                    crypto.encrypt(mobile, "member.mobile"), crypto.blind_index(mobile, "member.mobile"),
                    birth, birth + dt.timedelta(days=rng.randint(6600, 15000)),
                    "full" if rng.random() < 0.95 else "probationary",
                    branch[0], unit, rng.choice(communities), floating,
                    rng.choice(["江苏省南京市", "浙江省杭州市", "安徽省合肥市"]) if floating else "", "",
                    True, d_id, branch[2], branch[3], branch[4], now, now,
                )  # fmt: skip

    with transaction.atomic():
        counts["members"] = copy(
            "orgs_member",
            [
                "id",
                "name",
                "gender",
                "id_number",
                "id_number_index",
                "mobile",
                "mobile_index",
                "birth_date",
                "joined_on",
                "status",
                "party_org_id",
                "workplace_unit_id",
                "residence_community_id",
                "is_floating",
                "floating_to",
                "floating_reason",
                "is_active",
                "district_id",
                "street_id",
                "community_id",
                "area_id",
                "created_at",
                "updated_at",
            ],
            members(),
        )
    # COPY bypasses the services: fill each unit's member dates as they would have
    unit_member_dates_refresh()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return counts


if __name__ == "__main__":
    main()
