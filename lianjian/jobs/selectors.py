"""Reads on the job board: the resident's list (nearest first), queues, suggestions, reports.

Everything starts from `jobs.access`, so pages, API and exports agree on
who sees what.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

from django.db.models import Count, Q, QuerySet

from lianjian.jobs import access
from lianjian.jobs.models import Application, Category, Match, Posting, Resume
from lianjian.orgs.access import LEVEL_FIELD, regions_visible_to
from lianjian.orgs.models import Region, Unit

if TYPE_CHECKING:
    from lianjian.accounts.models import User

DISTANCES = {"community": "本社区", "street": "本街道", "district": "全区"}


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None


ORDER = ("-urgent", "-published_at", "-id")
# what a list row shows (PostingOut, jobs/_job_item.html): not the contact phone,
# which would be decrypted for every row, nor the matcher's tokens
LIST_FIELDS = (
    *("id", "unit_id", "unit__name", "title", "description", "category", "openings"),
    *("pay_min", "pay_max", "hours", "education", "skills", "age_min", "age_max"),
    *("expires_on", "urgent", "status", "review_comment", "published_at"),
    *("district_id", "street_id", "community_id"),
)


class NearestFirst:
    """Live postings nearest first, read one distance band after the other.

    The bands are the resident's community, the rest of their street and the
    rest of their district, each an index scan in `ORDER` (the `jobs_post_*_near`
    indexes), so a page reads about as many rows as it shows. One statement
    ordering by a computed distance sorted the whole district instead (20k
    postings at city scale: ~95 ms a page, bench/README.md). Slicing and
    `count()` make it a drop-in for `Paginator` and the API's page.
    """

    def __init__(self, bands: list[QuerySet[Posting]], whole: QuerySet[Posting]) -> None:
        self.bands = bands
        self.whole = whole
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.whole.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Posting]:
        for band in self.bands:
            yield from band

    @overload
    def __getitem__(self, key: int) -> Posting: ...

    @overload
    def __getitem__(self, key: slice) -> list[Posting]: ...

    def __getitem__(self, key: int | slice) -> Posting | list[Posting]:
        if isinstance(key, int):
            found = self[key : key + 1] if key >= 0 else []
            if not found:
                raise IndexError(key)
            return found[0]
        if key.step not in (None, 1):
            raise TypeError("NearestFirst takes a slice without a step")
        offset, stop = key.start or 0, key.stop
        rows: list[Posting] = []
        for band in self.bands:
            wanted = None if stop is None else stop - (key.start or 0) - len(rows)
            if wanted is not None and wanted <= 0:
                break
            chunk = list(band[offset:] if wanted is None else band[offset : offset + wanted])
            if not chunk and offset:
                offset = max(offset - band.count(), 0)  # the whole band lies before the page
                continue
            offset = 0
            rows.extend(chunk)
        return rows


def live_jobs(user: User, params: Mapping[str, Any]) -> QuerySet[Posting] | NearestFirst:
    """Live postings for a resident: filtered by kind, pay, distance and text; nearest first.

    Distance is counted in the region tree from the resident's community: the
    same community first, then the same street, then the rest of the district.
    """
    qs = access.postings_live().select_related("unit").only(*LIST_FIELDS)
    place = access.resident_region(user)
    category = str(params.get("category") or "")
    if category in Category.values:
        qs = qs.filter(category=category)
    pay = _int(params.get("pay"))
    if pay is not None:
        qs = qs.filter(pay_max__gte=pay)
    text = str(params.get("q") or "").strip()[:50]
    if text:
        qs = qs.filter(
            Q(title__icontains=text) | Q(unit__name__icontains=text) | Q(skills__icontains=text)
        )
    if params.get("urgent"):
        qs = qs.filter(urgent=True)
    if place is None:
        return qs.order_by(*ORDER)
    ids = place.ancestor_ids()
    distance = str(params.get("distance") or "")
    community = qs.filter(community_id=ids["community_id"])
    bands = [community.order_by(*ORDER)]
    if distance == "community":
        return NearestFirst(bands, community)
    street = qs.filter(street_id=ids["street_id"])
    bands.append(street.exclude(community_id=ids["community_id"]).order_by(*ORDER))
    if distance == "street":
        return NearestFirst(bands, street)
    district = qs.filter(district_id=ids["district_id"])  # the zone a resident can commute in
    bands.append(district.exclude(street_id=ids["street_id"]).order_by(*ORDER))
    return NearestFirst(bands, district)


def postings_of_recruiter(user: User, status: str = "") -> QuerySet[Posting]:
    qs = access.postings_of_recruiter(user).select_related("unit")
    if status in Posting.Status.values:
        qs = qs.filter(status=status)
    return qs.annotate(application_count=Count("applications")).order_by("-id")


def applications_to(posting: Posting) -> QuerySet[Application]:
    return posting.applications.select_related("resume").order_by("-id")


def review_queue(user: User) -> tuple[QuerySet[Posting], QuerySet[Resume]]:
    """What waits for the community's review in the user's scope, oldest first."""
    postings = access.postings_for_staff(user).filter(status=Posting.Status.SUBMITTED)
    resumes = access.resumes_for_staff(user).filter(status=Resume.Status.SUBMITTED)
    return postings.select_related("unit").order_by("updated_at", "id"), resumes.order_by(
        "updated_at", "id"
    )


def suggested_jobs(user: User) -> QuerySet[Match]:
    """Live postings that fit the resident's resume, best first."""
    resume = access.resume_of(user)
    if resume is None:
        return Match.objects.none()
    return (
        Match.objects.filter(resume=resume, posting__in=access.postings_live())
        .select_related("posting", "posting__unit")
        .order_by("-score", "id")
    )


def suggested_residents(posting: Posting) -> QuerySet[Match]:
    """Residents who fit a posting AND agreed to be found: nothing else reaches a recruiter."""
    return (
        Match.objects.filter(
            posting=posting, resume__status=Resume.Status.APPROVED, resume__discoverable=True
        )
        .select_related("resume")
        .order_by("-score", "id")
    )


@dataclass
class ReportRow:
    region: Region
    live_postings: int
    enterprises: int
    residents: int
    applications: int
    hires: int


@dataclass
class Report:
    rows: list[ReportRow]
    total: ReportRow | None
    hires_by_unit: list[tuple[Unit, int]]
    enterprises_hiring: int


def _grouped(qs: QuerySet[Any], fields: list[str], **aggregates: Any) -> dict[int, dict[str, int]]:
    """Aggregates per row region: the first of `fields` that is set names the row's region."""
    out: dict[int, dict[str, int]] = {}
    for row in qs.values(*fields).annotate(**aggregates).order_by():
        key = next((row[f] for f in fields if row[f]), None)
        if key is None:
            continue
        into = out.setdefault(key, dict.fromkeys(aggregates, 0))
        for name in aggregates:
            into[name] += row[name]
    return out


def _rows_of(user: User, within: Region | None) -> tuple[list[Region], Q, list[str]]:
    """The report's rows: a district by street; a street by community and by the areas
    (buildings, parks) that hang under no community; else the user's own communities."""
    regions = regions_visible_to(user, "jobs.report")
    if within is None:
        own = list(regions.filter(level=Region.Level.COMMUNITY).order_by("path"))
        return own, Q(community_id__in=[r.pk for r in own]), ["community_id"]
    scope = Q(**{LEVEL_FIELD[Region.Level(within.level)]: within.pk})
    below = regions.filter(path__startswith=within.path).exclude(pk=within.pk)
    if within.level == Region.Level.DISTRICT:
        return list(below.filter(level=Region.Level.STREET).order_by("path")), scope, ["street_id"]
    rows = below.filter(
        Q(level=Region.Level.COMMUNITY) | Q(level=Region.Level.AREA, community_ref__isnull=True)
    )
    return list(rows.order_by("path")), scope, ["community_id", "area_id"]


def report(user: User, within: Region | None = None) -> Report:
    """Live postings, enterprises, residents, applications and hires per row region, and
    hires per enterprise, all counted from the rows in the user's scope."""
    if within is None:
        grants = [
            r
            for r in regions_visible_to(user, "jobs.report")
            if r.level in (Region.Level.DISTRICT, Region.Level.STREET)
        ]
        within = min(grants, key=lambda r: r.depth) if grants else None
    rows_regions, scope, fields = _rows_of(user, within)
    postings = Posting.objects.filter(scope)
    published = postings.exclude(status__in=[Posting.Status.DRAFT, Posting.Status.SUBMITTED])
    live = _grouped(postings.filter(access.live_q()), fields, n=Count("id"))
    enterprises = _grouped(published, fields, n=Count("unit_id", distinct=True))
    residents = _grouped(
        Resume.objects.filter(scope, status=Resume.Status.APPROVED), fields, n=Count("id")
    )
    apps = Application.objects.filter(scope)
    applications = _grouped(apps, fields, n=Count("id"), hired=Count("id", filter=Q(stage="hired")))

    def row(region: Region) -> ReportRow:
        a = applications.get(region.pk, {})
        return ReportRow(
            region,
            live.get(region.pk, {}).get("n", 0),
            enterprises.get(region.pk, {}).get("n", 0),
            residents.get(region.pk, {}).get("n", 0),
            a.get("n", 0),
            a.get("hired", 0),
        )

    rows = [row(r) for r in rows_regions]
    hired = apps.filter(stage=Application.Stage.HIRED)
    by_unit = dict(hired.values_list("unit_id").annotate(n=Count("id")).order_by())
    units = Unit.objects.in_bulk(list(by_unit))
    hires_by_unit = sorted(
        ((units[u], n) for u, n in by_unit.items()), key=lambda p: (-p[1], p[0].name)
    )
    total = None
    if rows:
        total = ReportRow(
            within or rows_regions[0],
            postings.filter(access.live_q()).count(),
            published.values("unit_id").distinct().count(),
            Resume.objects.filter(scope, status=Resume.Status.APPROVED).count(),
            apps.count(),
            hired.count(),
        )
    return Report(rows, total, hires_by_unit, len(by_unit))
