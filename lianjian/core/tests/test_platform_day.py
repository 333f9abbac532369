"""The platform's day is `timezone.localdate()` (TIME_ZONE, Asia/Shanghai), never the host's.

The host runs UTC: between 16:00 and 24:00 UTC the host's date is yesterday in
Shanghai. The host's clock is read by `date.today()`, `datetime.today()` and a
`datetime.now()` without a zone; none of them may appear in the platform's code or
its tests (`timezone.localdate()`, `timezone.localtime()` or `timezone.now()` instead),
except on a line that says `# host clock on purpose` (a test showing the trap).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the lianjian package
HOST_CLOCK = re.compile(
    r"\b(?:date|datetime)\.today\("  # the host's date
    r"|\bdatetime\.now\(\s*\)"  # the host's wall time, naive
    r"|\b(?:utcnow|utcfromtimestamp)\("  # naive UTC
)
ON_PURPOSE = "# host clock on purpose"


def _host_clock_reads() -> list[str]:
    found: list[str] = []
    for path in sorted(ROOT.rglob("*.py")):
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HOST_CLOCK.search(line) and ON_PURPOSE not in line:
                found.append(f"{path.relative_to(ROOT.parent)}:{number}: {line.strip()}")
    return found


def test_the_guard_knows_the_host_clock_from_the_platform_day() -> None:
    for host in (
        "dt.date.today()",
        "datetime.date.today()",
        "date.today()",
        "dt.datetime.today()",
        "dt.datetime.now()",
        "datetime.now( )",
        "dt.datetime.utcnow()",
    ):
        assert HOST_CLOCK.search(host), host
    for platform in (
        "timezone.localdate()",
        "timezone.localtime()",
        "timezone.now()",
        "clock.now()",
        "dt.datetime.now(dt.UTC)",
        "dt.datetime.now(ZoneInfo('Asia/Shanghai'))",
        "today = timezone.localdate()",
    ):
        assert not HOST_CLOCK.search(platform), platform


def test_no_code_reads_the_host_clock() -> None:
    assert _host_clock_reads() == []
