"""The public patient evidence page (en/es, no sign-in): the current synthesis and the clinic's
own results in plain words, at about an 8th-grade reading level (tests measure it). Codes never
reach the page: conditions, outcomes, scales and side effects are put in everyday words here."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from spinereg.analytics.meta.registry_rows import REGISTRY_INSTRUMENTS, RegistryOutcome
from spinereg.registry.accounts.models import Clinic
from spinereg.registry.evidence.selectors import evidence_summary

CONDITION_WORDS: dict[str, dict[str, str]] = {
    "en": {"discogenic": "Pain from a disc", "facet": "Pain from the small back joints (facets)",
           "stenosis": "Narrowing of the spinal canal", "radiculopathy": "Pain down the leg",
           "mixed": "More than one cause"},
    "es": {"discogenic": "Dolor de un disco",
           "facet": "Dolor de las pequeñas articulaciones de la espalda (facetas)",
           "stenosis": "Estrechamiento del canal espinal", "radiculopathy": "Dolor en la pierna",
           "mixed": "Más de una causa"},
}  # fmt: skip
OUTCOME_WORDS: dict[str, dict[str, str]] = {
    "en": {"odi": "how much back pain limits daily life", "pain": "back pain"},
    "es": {"odi": "cuánto limita el dolor la vida diaria", "pain": "el dolor de espalda"},
}
MEASURE_WORDS: dict[str, dict[str, str]] = {
    "en": {"odi-2.1a": "How much back pain limits daily life",
           "vas-pain": "Back pain, marked on a line",
           "nrs-pain": "Back pain, rated from 0 to 10"},
    "es": {"odi-2.1a": "Cuánto limita el dolor de espalda la vida diaria",
           "vas-pain": "Dolor de espalda, marcado en una línea",
           "nrs-pain": "Dolor de espalda, del 0 al 10"},
}  # fmt: skip
# DOMAIN.md section 9, the expected BMAC side effects.
EVENT_WORDS: dict[str, dict[str, str]] = {
    "en": {"harvest_site_pain": "Soreness at the hip where the marrow was taken",
           "harvest_hematoma": "Bruising or a blood pocket at the hip",
           "harvest_infection": "Infection at the hip",
           "harvest_neuralgia": "Nerve pain near the hip",
           "anemia": "Low blood count after the marrow was taken",
           "post_injection_flare": "More pain for a short time after the shot",
           "discitis": "Infection of the disc",
           "nerve_injury": "Nerve pain or injury from the needle",
           "disc_herniation": "New bulging disc at the treated level",
           "vasovagal": "Fainting or feeling faint",
           "allergic_reaction": "Allergic reaction"},
    "es": {"harvest_site_pain": "Dolor en la cadera donde se sacó la médula",
           "harvest_hematoma": "Moretón o acumulación de sangre en la cadera",
           "harvest_infection": "Infección en la cadera",
           "harvest_neuralgia": "Dolor de nervio cerca de la cadera",
           "anemia": "Pocos glóbulos rojos después de sacar la médula",
           "post_injection_flare": "Más dolor por poco tiempo después de la inyección",
           "discitis": "Infección del disco",
           "nerve_injury": "Dolor o daño de un nervio por la aguja",
           "disc_herniation": "Nueva hernia de disco en el nivel tratado",
           "vasovagal": "Desmayo o sensación de desmayo",
           "allergic_reaction": "Reacción alérgica"},
}  # fmt: skip
OTHER_EVENT = {"en": "Other side effect", "es": "Otro efecto secundario"}


def _registry_tables(rows: list[RegistryOutcome], language: str) -> list[dict[str, Any]]:
    """One table per measure (ODI, VAS, NRS), one line per time point, in everyday numbers."""
    tables: dict[str, dict[str, Any]] = {}
    for row in rows:
        table = tables.setdefault(
            row.instrument,
            {
                "heading": MEASURE_WORDS[language].get(row.instrument, row.label),
                "threshold": round(REGISTRY_INSTRUMENTS[row.instrument][2])
                if row.instrument in REGISTRY_INSTRUMENTS
                else None,
                "lines": [],
            },
        )
        table["lines"].append(
            {
                "months": row.timepoint_months,
                "patients": row.n_patients,
                "change": abs(round(row.mean_change)),
                "better": row.mean_change < 0,
                "share": round(100 * row.responder_share),
                "low": round(100 * row.share_ci_lower),
                "high": round(100 * row.share_ci_upper),
            }
        )
    return list(tables.values())


@require_GET
def public_evidence(request: HttpRequest) -> HttpResponse:
    """The patient evidence page for one clinic (?clinic=code) or the whole network."""
    code = request.GET.get("clinic", "")
    clinic = Clinic.objects.filter(code=code).first() if code else None
    if code and clinic is None:
        raise Http404
    clinic_ids = [clinic.pk] if clinic else list(Clinic.objects.values_list("pk", flat=True))
    label = clinic.name if clinic else "spinereg network"
    summary = evidence_summary(clinic_ids, label)
    language = "es" if translation.get_language() == "es" else "en"
    synthesis = summary.synthesis
    context: dict[str, Any] = {
        "clinic": clinic,
        "clinic_name": clinic.name if clinic else None,
        "clinic_query": f"clinic={clinic.code}&" if clinic else "",
        "studies": sum(synthesis.studies_by_condition.values()),
        "patients": sum(synthesis.patients_by_condition.values()),
        "by_condition": [
            {
                "words": CONDITION_WORDS[language].get(condition, condition),
                "studies": synthesis.studies_by_condition[condition],
                "patients": synthesis.patients_by_condition[condition],
            }
            for condition in synthesis.studies_by_condition
        ],
        "longest_months": synthesis.longest_follow_up_months,
        "pooled": [
            {
                "words": OUTCOME_WORDS[language][pool.outcome],
                "months": pool.timepoint_months,
                "share": round(100 * pool.displayed(pool.result.estimate)),
                "low": round(100 * pool.displayed(pool.result.ci_lower)),
                "high": round(100 * pool.displayed(pool.result.ci_upper)),
            }
            for pool in synthesis.pooled
            if pool.result is not None and pool.measure == "PLO"
        ],
        "not_pooled": len(synthesis.pools) - len(synthesis.pooled),
        "registry": _registry_tables(summary.registry, language),
        "registry_patients": summary.registry_patients,
        "adverse_events": [
            (EVENT_WORDS[language].get(code, OTHER_EVENT[language]), count)
            for code, count in summary.adverse_events.items()
        ],
        "literature_events": [study for study, _note in synthesis.adverse_event_notes],
    }
    return render(request, f"evidence/public_{language}.html", context)
