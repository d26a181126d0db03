"""The root ``civicflow`` command: version and help."""

from typer.testing import CliRunner

from civicflow import __version__
from civicflow.cli import app

runner = CliRunner()


def test_version_flag_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"civicflow {__version__}"
    assert __version__ != "0.0.0+unknown"


def test_no_arguments_shows_help_that_names_the_product() -> None:
    result = runner.invoke(app, [])
    assert "CivicFlow" in result.output
    assert "Usage" in result.output
