"""De-identified endpoints for researchers."""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from spinereg.registry.access import is_researcher
from spinereg.registry.research.selectors import deidentified_outcomes, research_summary
from spinereg.web.api.schemas import DeidentifiedOutcomeOut, SummaryRowOut

router = Router(tags=["research"])


def _require_researcher(request: HttpRequest) -> None:
    if not is_researcher(request.user):
        raise Http404


@router.get("/summary", response=list[SummaryRowOut])
def summary(request: HttpRequest) -> list[dict[str, Any]]:
    _require_researcher(request)
    return research_summary(request.user)


@router.get("/outcomes", response=list[DeidentifiedOutcomeOut], url_name="research_outcomes")
@paginate(LimitOffsetPagination)
def research_outcomes(request: HttpRequest) -> list[dict[str, Any]]:
    _require_researcher(request)
    return list(deidentified_outcomes(request.user))
