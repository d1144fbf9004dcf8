"""Errors and warnings of the evidence-synthesis package.

Bad input raises `spinereg.core.errors.RuleViolation` (house rule); this module holds the two
things that are not bad input: an estimator that did not converge, and metafor's cautions that
we repeat as warnings rather than silently ignore.
"""


class ConvergenceError(RuntimeError):
    """REML's Fisher scoring did not settle within the iteration limit.

    metafor stops with "Fisher scoring algorithm did not converge" in the same situation
    (`rma.uni`, control `maxiter = 100`); its remedies (a smaller `stepadj`, more iterations)
    are exposed as arguments of `random_effects`.
    """


class MetaAnalysisWarning(UserWarning):
    """A result was computed, but metafor would have warned about it (same wording)."""
