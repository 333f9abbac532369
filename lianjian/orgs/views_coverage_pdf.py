"""The coverage report as a PDF (issue 13.8): the same figures as the page, laid out on
the server by WeasyPrint (`lianjian.core.pdf`) with embedded CJK fonts, no outside call."""

from __future__ import annotations

from django.http import HttpResponse

from lianjian.core.actors import ActorRequest
from lianjian.core.audit import audit_record
from lianjian.core.pdf import pdf_response, render_pdf
from lianjian.core.permissions import require_perm
from lianjian.core.ratelimit import rate_limited
from lianjian.orgs import coverage

# laying out a report costs about a second of CPU: a few per user per minute
PDF_RATE = (10, 60)


@require_perm("orgs.view_coverage")
def coverage_pdf(request: ActorRequest) -> HttpResponse:
    limited = rate_limited(request, "orgs.coverage_pdf", limit=PDF_RATE[0], window=PDF_RATE[1])
    if limited:
        return limited
    region = coverage.region_for(request.user, request.GET.get("region"), request=request)
    try:
        as_of = coverage.parse_as_of(request.GET.get("as_of"))
    except ValueError:
        as_of = coverage.parse_as_of(None)
    report = coverage.coverage_report(request.user, region, as_of)
    audit_record(
        "export.coverage_pdf", request=request, obj=region, detail={"as_of": as_of.isoformat()}
    )
    data = render_pdf(
        "orgs/coverage/report_pdf.html",
        {
            "report": report,
            "region": region,
            "as_of": as_of,
            "breakdown_labels": coverage.BREAKDOWNS,
        },
        request,
    )
    return pdf_response(data, f"coverage-{region.pk}-{as_of:%Y%m%d}.pdf")
