"""The README documents every command and the two set-up commands (datasette's idea)."""

from pathlib import Path

from spinereg.cli.main import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_readme_gives_the_two_commands():
    assert "make demo" in README
    assert "make test" in README


def test_the_readme_states_the_investigational_status():
    assert "investigational" in README
    assert "supports clinical decisions" in README


def _command_lines():
    for name, command in cli.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands:
            yield from (f"spinereg {name} {sub}" for sub in subcommands)
        else:
            yield f"spinereg {name}"


def test_every_cli_command_is_in_the_readme():
    lines = list(_command_lines())
    assert "spinereg instruments rescore" in lines
    missing = [line for line in lines if line not in README]
    assert not missing, f"undocumented commands: {missing}"
