"""The researcher's registry report page: the same sections as `spinereg report`, computed on
the de-identified analysis dataset of the clinics where the user is a researcher or
administrator (`research_analysis_dataset`, through the access chokepoint). Others get 404.

The rendered report is cached per clinic set for a few minutes: it takes seconds on the demo
cohort, and researchers of the same clinics see the same numbers."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from spinereg.analytics.report import build_report, report_body, report_style
from spinereg.interop.analysis_dataset import problems
from spinereg.registry.access import is_researcher, research_clinic_ids
from spinereg.registry.evidence.selectors import literature_frame
from spinereg.registry.exports import research_analysis_dataset

CACHE_SECONDS = 300


def research_report_html(user: object) -> str:
    """The report body for `user`'s research clinics, from the cache when fresh."""
    clinic_ids = sorted(research_clinic_ids(user).values_list("clinic_id", flat=True))
    key = "research-report:" + ",".join(str(clinic_id) for clinic_id in clinic_ids)
    cached = cache.get(key)
    if isinstance(cached, str):
        return cached
    dataset = research_analysis_dataset(user)
    codes = dataset.metadata.get("clinics") or []
    report = build_report(
        dataset,
        scope=", ".join(codes) if codes else "no clinic",
        synthetic=dataset.is_synthetic,
        dataset_problems=[str(problem) for problem in problems(dataset.frames())],
        literature=literature_frame(),
    )
    body = report_body(report)
    cache.set(key, body, CACHE_SECONDS)
    return body


@login_required
@require_GET
@never_cache
def research_report(request: HttpRequest) -> HttpResponse:
    if not is_researcher(request.user):
        raise Http404
    body = research_report_html(request.user)
    return render(
        request,
        "web/research_report.html",
        {
            # Built by spinereg.analytics.report.html, which escapes every value it inserts.
            "report_body": mark_safe(body),
            "report_style": mark_safe(report_style()),
        },
    )
