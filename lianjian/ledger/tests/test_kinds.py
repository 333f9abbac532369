"""The extension point `"ledger.kinds"`: a kind declared by another app's registry is
imported and exported through the ledger's pages, with no line of the ledger naming it."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from lianjian.core import registry
from lianjian.core.ledger_kinds import EXAMPLE_MARK, Column, LedgerKind, Problems, Rows
from lianjian.ledger.kinds import kinds
from lianjian.ledger.models import ImportJob
from lianjian.ledger.tests.ledger_files import xlsx

WRITTEN: list[dict[str, Any]] = []


class TallyPlan:
    """A plan of the kind a points app would declare: one rule, one upsert."""

    file_name = ""

    def __init__(self, user: Any, problems: Problems) -> None:
        self.user = user
        self.problems = problems
        self.rows: Rows = []

    def build(self, rows: Rows, progress: Any) -> None:
        for row, values in rows:
            if (values.get("score") or 0) < 0:
                self.problems.error(row, "score", "分值不能为负")
        self.rows = self.problems.go_on(rows)

    def write(self, user: Any, source: str) -> tuple[int, int]:
        WRITTEN.extend(values for _, values in self.rows)
        return len(self.rows), 0


def _tally_query(user: Any, params: Any, perm: str | None = None) -> Any:
    return get_user_model().objects.filter(pk=user.pk)


TALLIES = LedgerKind(
    key="tallies",
    label="积分",
    columns=(
        Column("name", "姓名", "text", required=True, aliases=("名字",)),
        Column("score", "分值", "int"),
        Column("kept", "有效", "bool"),
    ),
    import_perm="orgs.import",
    export_perm="orgs.export",
    plan=TallyPlan,
    export_query=_tally_query,
    export_rows=lambda qs, full: ([u.username, 7, "是"] for u in qs),
    audit_type="tests.tallies",
    sheet_words=("积分",),
    example={"name": f"{EXAMPLE_MARK}张三", "score": "5"},
    order=900,
)


@pytest.fixture
def tallies(monkeypatch: Any) -> None:
    """A test app's registry contributing one kind, as `extensions=` in its registry.py."""
    declared = registry.registries()
    fake = registry.AppRegistry(label="tallies", extensions={"ledger.kinds": (TALLIES,)})
    monkeypatch.setattr(registry, "registries", lambda: (*declared, fake))
    WRITTEN.clear()


def _book(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def test_the_registries_kinds_are_declared_by_their_apps() -> None:
    """orgs' three registries first (its registry's order), then the apps above it."""
    declared = list(kinds())
    assert declared[:3] == ["units", "party-orgs", "members"]
    assert "points" in declared  # the points app's ledger (积分台账)


def test_a_kind_from_another_registry_is_imported_and_exported(
    tallies: None, tree: Any, personas: Any, client_for: Any
) -> None:
    assert "tallies" in kinds()
    client = client_for(personas.street_staff)
    assert "积分" in client.get("/orgs/ledger/").content.decode()
    template = _book(client.get("/orgs/ledger/template/tallies/"))
    sheet = template.worksheets[0]
    assert sheet.title == "积分台账"
    assert [c.value for c in sheet[1]] == ["姓名", "分值", "有效"]

    # a row with an error stops the file; then the valid rows only
    data = xlsx([["名字", "分值", "有效"], ["李四", 3, "是"], ["王五", -1, "否"]])
    client.post("/orgs/ledger/import/tallies/", {"file": SimpleUploadedFile("a.xlsx", data)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED and job.error_count == 1 and WRITTEN == []
    page = client.get(f"/orgs/ledger/jobs/{job.pk}/").content.decode()
    assert "分值不能为负" in page and "积分" in page
    response = client.post(
        "/orgs/ledger/import/tallies/",
        {"file": SimpleUploadedFile("a.xlsx", data), "mode": "valid_only"},
    )
    job = ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == ImportJob.Status.SUCCEEDED and job.created_count == 1
    assert WRITTEN == [{"name": "李四", "score": 3, "kept": True}]

    rows = list(_book(client.get("/orgs/ledger/export/tallies/")).worksheets[0].values)
    assert rows == [("姓名", "分值", "有效"), (personas.street_staff.username, 7, "是")]
    # the kind's permissions hold: a member opens neither its import nor its export
    member = client_for(personas.member)
    assert member.get("/orgs/ledger/import/tallies/").status_code == 403
    assert member.get("/orgs/ledger/export/tallies/").status_code == 403


def test_an_undeclared_kind_is_not_found(personas: Any, client_for: Any) -> None:
    client = client_for(personas.street_staff)
    assert client.get("/orgs/ledger/import/tallies/").status_code == 404
    assert client.get("/orgs/ledger/export/tallies/").status_code == 404
