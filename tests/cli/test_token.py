"""`spinereg token`: the key is printed once and works; only its hash is stored."""

from click.testing import CliRunner

from spinereg.cli.main import cli
from spinereg.registry.accounts.models import ApiToken


def test_a_created_token_authenticates_its_user(client, clinic_world):
    result = CliRunner().invoke(cli, ["token", "create", clinic_world.physician.username, "ehr"])
    assert result.exit_code == 0, result.output
    key = result.output.strip()
    stored = ApiToken.objects.get(name="ehr")
    assert stored.key_hash == ApiToken.hash_key(key)
    assert key not in stored.key_hash
    response = client.get("/api/patients", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


def test_an_unknown_user_is_one_clear_line(clinic_world):
    result = CliRunner().invoke(cli, ["token", "create", "nobody", "ehr"])
    assert result.exit_code == 1
    assert "Error: username: no active user 'nobody'" in result.output
    assert "Traceback" not in result.output


def test_a_revoked_token_stops_working(client, clinic_world):
    runner = CliRunner()
    key = runner.invoke(
        cli, ["token", "create", clinic_world.physician.username, "x"]
    ).output.strip()
    assert (
        runner.invoke(cli, ["token", "revoke", clinic_world.physician.username, "x"]).exit_code == 0
    )
    assert (
        client.get("/api/patients", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    )
