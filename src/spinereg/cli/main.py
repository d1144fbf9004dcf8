"""Entry point of the `spinereg` command. Validation errors become one line, exit status 1, no
traceback unless --debug (STYLE.md §6)."""

import os
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def setup_django() -> None:
    """Configure Django once, for commands that touch the database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinereg.config.settings")
    import django

    django.setup()


def clean_errors(func: F) -> F:
    """Turn our validation errors into `click.ClickException` lines naming field and rule."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from spinereg.core.errors import RuleViolation

        try:
            return func(*args, **kwargs)
        except RuleViolation as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            raise click.ClickException(str(error)) from None
        except Exception as error:
            if type(
                error
            ).__name__ != "ValidationError" or click.get_current_context().find_root().params.get(
                "debug"
            ):
                raise
            raise click.ClickException(format_validation_error(error)) from None

    return wrapper  # type: ignore[return-value]  # wraps keeps the signature


def format_validation_error(error: Any) -> str:
    if hasattr(error, "error_dict"):
        parts = []
        for field, errors in error.error_dict.items():
            for item in errors:
                message = " ".join(item.messages)
                parts.append(
                    f"{field}: {message} ({item.code})" if item.code else f"{field}: {message}"
                )
        return "; ".join(parts)
    return "; ".join(error.messages)


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="spinereg")
def cli(debug: bool) -> None:
    """spinereg: registry and clinic workflow for BMAC therapy of the spine.

    BMAC for the spine is investigational; spinereg supports clinical decisions and does not
    make them."""


def _register() -> None:
    from spinereg.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()
