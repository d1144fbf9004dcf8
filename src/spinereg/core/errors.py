"""The one error type of the pure layers: which field broke which rule, in words."""


class RuleViolation(ValueError):  # noqa: N818 -- the house name (STYLE.md §6)
    def __init__(self, *, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message} ({rule})")
        self.field = field
        self.rule = rule
        self.message = message
