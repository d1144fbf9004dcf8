"""HIPAA Safe Harbor helpers (45 CFR 164.514(b)(2)): ages over 89 are aggregated to 90, and
dates become days relative to the index procedure (DOMAIN.md §6.3)."""

from datetime import date

AGE_CAP = 90


def age_years(birth_year: int, on: date) -> int:
    """Whole-year age from the birth year alone (the full date of birth is identity data);
    at most one year high, never more."""
    return on.year - birth_year


def safe_harbor_age(birth_year: int, on: date) -> int:
    """Age with every age above 89 reported as 90 ("90 or older")."""
    return min(age_years(birth_year, on), AGE_CAP)


def days_from(index_date: date | None, when: date | None) -> int | None:
    if index_date is None or when is None:
        return None
    return (when - index_date).days
