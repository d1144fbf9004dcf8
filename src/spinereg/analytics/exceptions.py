"""Errors shared by the analytics estimators: an analysis that cannot honestly be run on its input.

Every error is an `AnalyticsError`, itself a `ValueError`, so a caller (the CLI, a report job)
can catch one type and show its message. Plain bad values (a negative time, an event coded 2)
are `spinereg.core.errors.RuleViolation`; these errors are about the data as a whole or the fit.
"""

from collections.abc import Iterable


class AnalyticsError(ValueError):
    """Base of the analytics errors."""


class MissingColumnError(AnalyticsError):
    """A column the analysis names is absent from the frame."""

    def __init__(self, column: str, *, available: Iterable[str] = ()) -> None:
        self.column = column
        known = ", ".join(repr(name) for name in available)
        hint = f"; the frame has {known}" if known else ""
        super().__init__(f"column {column!r} is missing{hint}")


class ConstantCovariateError(AnalyticsError):
    """A covariate takes one value only, so its coefficient is not identifiable."""

    def __init__(self, covariate: str, *, value: object = None) -> None:
        self.covariate = covariate
        shown = f" ({value!r} in every row)" if value is not None else ""
        super().__init__(
            f"covariate {covariate!r} is constant{shown}; its effect cannot be estimated"
        )


class CollinearityError(AnalyticsError):
    """Covariates are linearly dependent (or nearly so), so the information matrix is singular."""

    def __init__(self, covariates: Iterable[str], *, detail: str = "") -> None:
        self.covariates = tuple(covariates)
        names = ", ".join(repr(name) for name in self.covariates)
        extra = f": {detail}" if detail else ""
        super().__init__(f"covariates {names} are collinear{extra}")


class EmptyGroupError(AnalyticsError):
    """The sample, or a group or stratum of it, has too few rows or events to estimate from."""

    def __init__(self, message: str, *, group: object = None) -> None:
        self.group = group
        super().__init__(message)


class ConvergenceError(AnalyticsError):
    """An iterative fit stopped without meeting its convergence criterion."""

    def __init__(self, message: str, *, iterations: int | None = None) -> None:
        self.iterations = iterations
        super().__init__(message)
