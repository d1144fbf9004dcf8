"""The REST API (django-ninja): token auth for other systems, session auth for the browser,
the same clinic and role scoping as the pages. OpenAPI at /api/openapi.json, docs at /api/docs."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI
from ninja.security import HttpBearer, django_auth

from spinereg.registry.accounts.models import ApiToken

VALIDATION_TYPE = "validation"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        row = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash_key(token), revoked_at__isnull=True)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="spinereg API",
    version="1.0.0",
    description=(
        "Registry of BMAC therapy of the spine. BMAC for the spine is investigational; spinereg "
        "supports clinical decisions and does not make them. Every write is audited."
    ),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api-1.0.0",
)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """Our rule violations in the shape ninja uses for its own schema errors."""
    detail = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                detail.append(
                    {
                        "loc": ["body", "payload", *str(field).split(".")],
                        "type": item.code or VALIDATION_TYPE,
                        "msg": " ".join(item.messages),
                    }
                )
    else:
        for item in error.error_list:
            detail.append(
                {
                    "loc": ["body", "payload"],
                    "type": item.code or VALIDATION_TYPE,
                    "msg": " ".join(item.messages),
                }
            )
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(error) or "Forbidden."}, status=403)


@api.get("/health", auth=None, tags=["meta"])
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok", "time": timezone.now().isoformat()}


def _register() -> None:
    from spinereg.web.api import episodes, instruments, outcomes, patients, procedures, research

    api.add_router("/patients", patients.router)
    api.add_router("/episodes", episodes.router)
    api.add_router("/", outcomes.router)
    api.add_router("/research", research.router)
    api.add_router("/procedures", procedures.router)
    api.add_router("/", instruments.router)
    from spinereg.web.api import followup

    api.add_router("/followup", followup.router)
    from spinereg.web.api import journey

    api.add_router("/journey", journey.router)
    from spinereg.web.api import evidence

    api.add_router("/evidence", evidence.router)


_register()
