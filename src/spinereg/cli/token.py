"""`spinereg token`: API tokens for other systems. The key is printed once; only a hash is kept."""

import click

from spinereg.cli.main import clean_errors, setup_django


@click.group()
def token() -> None:
    """Create and revoke API tokens."""


@token.command("create")
@click.argument("username")
@click.argument("name")
@clean_errors
def token_create(username: str, name: str) -> None:
    """Create a token named NAME for USERNAME and print its key once."""
    setup_django()
    from spinereg.registry.accounts.models import ApiToken, User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise click.ClickException(f"username: no active user {username!r} (exists)")
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key))
    click.echo(key)


@token.command("revoke")
@click.argument("username")
@click.argument("name")
@clean_errors
def token_revoke(username: str, name: str) -> None:
    """Revoke USERNAME's token named NAME."""
    setup_django()
    from django.utils import timezone

    from spinereg.registry.accounts.models import ApiToken

    revoked = ApiToken.objects.filter(
        user__username=username, name=name, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise click.ClickException(f"name: no active token {name!r} for {username!r} (exists)")
    click.echo(f"revoked {revoked} token(s)")
