"""The pre-screen questions as the patient sees them, mapped onto the candidacy engine's inputs
(spinereg.core.candidacy, data/candidacy_rules.json). Wording lives here, translated through
Django's catalogue; the rules file only says what each answer means for candidacy."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

YES_NO = (("yes", _("Yes")), ("no", _("No")))
RELIEF = (
    ("0", _("Not at all")),
    ("25", _("A little (about a quarter)")),
    ("50", _("About half")),
    ("75", _("Most of it (about three quarters)")),
    ("100", _("Completely")),
)


@dataclass(frozen=True)
class Question:
    name: str  # the engine input
    kind: str  # yes_no · choice · number
    label: Promise | str
    hint: Promise | str = ""
    choices: tuple[tuple[str, Promise], ...] = ()
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Section:
    title: Promise
    questions: tuple[Question, ...]
    intro: Promise | str = ""
    urgent: bool = False


def _relief(name: str, treatment: Promise) -> tuple[Question, Question]:
    return (
        Question(
            f"{name}_relief_percent",
            "choice",
            format_lazy("{}: {}", treatment, _("how much did it help?")),
            hint=_("Answer only if you had it."),
            choices=RELIEF,
            required=False,
        ),
        Question(
            f"{name}_relief_weeks",
            "number",
            format_lazy("{}: {}", treatment, _("for how many weeks did it help?")),
            hint=_("Answer only if it helped."),
            required=False,
            minimum=0,
            maximum=520,
        ),
    )


SECTIONS = (
    Section(
        _("Warning signs"),
        (
            Question("fever_or_infection", "yes_no", _("Do you have a fever or an infection now?")),
            Question(
                "cancer_recent",
                "yes_no",
                _("Have you had cancer in the past 5 years, or are you being treated for it?"),
                hint=_("Do not count basal-cell or squamous-cell skin cancer."),
            ),
            Question(
                "bowel_bladder_change",
                "yes_no",
                _(
                    "Have you recently had a new change in controlling your bowel or bladder, "
                    "or numbness between your legs?"
                ),
            ),
            Question(
                "progressive_weakness",
                "yes_no",
                _("Is a leg or foot getting weaker?"),
            ),
            Question(
                "unexplained_weight_loss",
                "yes_no",
                _("Have you lost weight without trying?"),
            ),
            Question(
                "anticoagulants",
                "yes_no",
                _("Do you take a blood thinner?"),
                hint=_("For example warfarin, apixaban, rivaroxaban, clopidogrel or heparin."),
            ),
            Question(
                "pregnant_or_breastfeeding",
                "yes_no",
                _("Are you pregnant, could you be pregnant, or are you breastfeeding?"),
            ),
        ),
        intro=_("These questions look for problems that need care sooner than a consultation."),
        urgent=True,
    ),
    Section(
        _("Your pain"),
        (
            Question(
                "pain_location",
                "choice",
                _("Where is your main pain?"),
                choices=(
                    ("low_back", _("Lower back")),
                    ("mid_back", _("Middle of the back")),
                    ("neck", _("Neck")),
                    ("other", _("Somewhere else")),
                ),
            ),
            Question(
                "pain_duration_months",
                "number",
                _("How many months has this pain lasted?"),
                hint=_("One year is 12 months."),
                minimum=0,
                maximum=1200,
            ),
            Question(
                "pain_predominance",
                "choice",
                _("Which hurts more?"),
                choices=(
                    ("back", _("My back")),
                    ("leg", _("My leg or legs")),
                    ("equal", _("Both about the same")),
                ),
            ),
        ),
    ),
    Section(
        _("Treatments you have tried"),
        (
            Question(
                "conservative_care_months",
                "number",
                _("For how many months have you tried physical therapy, exercise or medicines?"),
                hint=_("Write 0 if you have not tried them."),
                minimum=0,
                maximum=1200,
            ),
            Question(
                "physical_therapy",
                "yes_no",
                _("Have you had physical therapy with a therapist?"),
            ),
            Question("epidural_done", "yes_no", _("Have you had an epidural steroid injection?")),
            *_relief("epidural", _("Epidural steroid injection")),
            Question(
                "facet_block_done",
                "yes_no",
                _("Have you had a facet joint injection or a medial branch block?"),
            ),
            *_relief("facet_block", _("Facet joint injection or medial branch block")),
            Question("rfa_done", "yes_no", _("Have you had radiofrequency ablation?")),
            *_relief("rfa", _("Radiofrequency ablation")),
            Question("spine_surgery", "yes_no", _("Have you had surgery on your back?")),
            Question(
                "spine_fusion",
                "yes_no",
                _("If you had surgery: was it a fusion?"),
                required=False,
            ),
            Question(
                "months_since_spine_surgery",
                "number",
                _("If you had surgery: how many months ago was the last one?"),
                required=False,
                minimum=0,
                maximum=1200,
            ),
            Question(
                "disc_cell_therapy",
                "yes_no",
                _("Have you had a cell, stem-cell or PRP injection into a disc?"),
            ),
        ),
    ),
    Section(
        _("Imaging"),
        (
            Question(
                "mri_done",
                "choice",
                _("Have you had an MRI of your lower back?"),
                choices=(("yes", _("Yes")), ("no", _("No")), ("unsure", _("I am not sure"))),
            ),
        ),
    ),
)

QUESTIONS = {question.name: question for section in SECTIONS for question in section.questions}


def parse_answers(post: Mapping[str, Any]) -> tuple[dict[str, object], dict[str, str]]:
    """Engine inputs from the posted form, and the errors by question (in the active
    language). Optional questions left empty are simply not answered."""
    answers: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name, question in QUESTIONS.items():
        raw = str(post.get(name, "")).strip()
        if not raw:
            if question.required:
                errors[name] = str(_("Please answer this question."))
            continue
        if question.kind == "yes_no":
            if raw not in ("yes", "no"):
                errors[name] = str(_("Please choose yes or no."))
                continue
            answers[name] = raw == "yes"
        elif question.kind == "choice":
            if raw not in {value for value, _label in question.choices}:
                errors[name] = str(_("Please choose one of the answers."))
                continue
            answers[name] = float(raw) if name.endswith("_percent") else raw
        else:
            try:
                number = float(raw.replace(",", "."))
            except ValueError:
                errors[name] = str(_("Please write a number."))
                continue
            low, high = question.minimum, question.maximum
            if (low is not None and number < low) or (high is not None and number > high):
                errors[name] = str(_("Please write a number from %(low)s to %(high)s.")) % {
                    "low": f"{low:g}",
                    "high": f"{high:g}",
                }
                continue
            answers[name] = number
    return answers, errors
