"""The researcher's evidence page: the literature table (add, correct, CSV upload), forest plots
with the registry's own rows beside each pool, and exclusions with reasons. The public patient
page is `spinereg.web.evidence.public`."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from spinereg.analytics.meta.literature import COLUMNS
from spinereg.analytics.meta.pool_checks import checks_text, pool_checks
from spinereg.analytics.meta.presentation import included_excluded_frame, pool_svg, pooled_sentence
from spinereg.core.errors import RuleViolation
from spinereg.registry.access import research_clinic_ids
from spinereg.registry.evidence.models import LiteratureRow
from spinereg.registry.evidence.selectors import evidence_summary, literature_rows
from spinereg.registry.evidence.services import (
    literature_load,
    literature_row_create,
    literature_row_update,
    may_write_literature,
)

MAX_UPLOAD_BYTES = 2_000_000


class LiteratureRowForm(forms.ModelForm):  # type: ignore[type-arg]  # django-stubs generic
    reason = forms.CharField(max_length=300, help_text="Why (audited)")

    class Meta:
        model = LiteratureRow
        fields = COLUMNS


class UploadForm(forms.Form):
    file = forms.FileField()
    reason = forms.CharField(max_length=300)


def _require_researcher(request: HttpRequest) -> list[int]:
    if not may_write_literature(request.user) or request.user.is_anonymous:
        raise Http404
    return list(research_clinic_ids(request.user).values_list("clinic_id", flat=True))


def _errors(error: Exception) -> list[str]:
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error)]


@login_required
@require_http_methods(["GET", "POST"])
def research_evidence(request: HttpRequest) -> HttpResponse:
    clinic_ids = _require_researcher(request)
    add_form = LiteratureRowForm(prefix="add")
    upload_form = UploadForm(prefix="upload")
    messages: list[str] = []
    errors: list[str] = []
    if request.method == "POST":
        if "upload-reason" in request.POST:
            upload_form = UploadForm(request.POST, request.FILES, prefix="upload")
            if upload_form.is_valid():
                upload = upload_form.cleaned_data["file"]
                try:
                    if upload.size > MAX_UPLOAD_BYTES:
                        raise ValidationError({"file": ["larger than 2 MB"]})
                    counts = literature_load(
                        upload.read().decode("utf-8"),
                        actor=request.user,
                        reason=upload_form.cleaned_data["reason"],
                        file_name=upload.name,
                    )
                    messages.append(
                        f"{upload.name}: {counts['created']} added, {counts['updated']} updated, "
                        f"{counts['unchanged']} unchanged"
                    )
                except (ValidationError, RuleViolation, UnicodeDecodeError) as error:
                    errors += _errors(error)
        else:
            add_form = LiteratureRowForm(request.POST, prefix="add")
            if add_form.is_valid():
                values = {column: add_form.cleaned_data[column] for column in COLUMNS}
                try:
                    literature_row_create(
                        values, actor=request.user, reason=add_form.cleaned_data["reason"]
                    )
                    return redirect("research-evidence")
                except ValidationError as error:
                    errors += _errors(error)
    summary = evidence_summary(clinic_ids, "Your clinics")
    pools = [
        {
            "pool": pool,
            "sentence": pooled_sentence(pool),
            "svg": pool_svg(pool, summary.registry) if pool.result is not None else "",
            "checks": checks_text(pool_checks(pool)) if pool.result is not None else [],
        }
        for pool in summary.synthesis.pools
    ]
    rows = included_excluded_frame(summary.synthesis)
    return render(
        request,
        "evidence/research.html",
        {
            "rows": literature_rows(),
            "pools": pools,
            "excluded": rows[rows.status == "excluded"].to_dict("records"),
            "registry": summary.registry,
            "add_form": add_form,
            "upload_form": upload_form,
            "messages_": messages,
            "errors": errors,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def research_evidence_row(request: HttpRequest, row_id: int) -> HttpResponse:
    _require_researcher(request)
    row = get_object_or_404(LiteratureRow, pk=row_id)
    form = LiteratureRowForm(instance=row)
    errors: list[str] = []
    if request.method == "POST":
        form = LiteratureRowForm(request.POST, instance=LiteratureRow.objects.get(pk=row_id))
        if form.is_valid():
            changes = {column: form.cleaned_data[column] for column in COLUMNS}
            try:
                literature_row_update(
                    LiteratureRow.objects.get(pk=row_id),
                    changes,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                return redirect("research-evidence")
            except ValidationError as error:
                errors += _errors(error)
    return render(
        request,
        "evidence/row.html",
        {"row": row, "form": form, "errors": errors},
    )
