"""One naming rule for ./lab, ./lab k8s and the fixtures, with the reason for its limit in the error."""

import pytest

from tools.lab import cli, names, state
from tools.lab.errors import LabError
from tools.lab.k8s import cli as k8s_cli, paths


@pytest.mark.parametrize("validate", [state.validate_name, paths.validate_name])
def test_a_long_name_is_refused_with_the_reason(validate):
    with pytest.raises(LabError, match=r"1-8 lowercase letters.*interface names \(bml-<name>-br\).*15 characters"):
        validate("toolongname")


@pytest.mark.parametrize("bad", ["", "Lab", "9lab", "a_b", "a-b"])
def test_both_halves_refuse_the_same_names(bad):
    for validate in (state.validate_name, paths.validate_name):
        with pytest.raises(LabError):
            validate(bad)


def test_the_control_planes_directory_is_not_a_lab_name():
    with pytest.raises(LabError, match="reserved"):
        state.validate_name("k8s")


def test_the_environment_variable_names_the_lab_for_both_commands(monkeypatch):
    monkeypatch.setenv(names.VARIABLE, "ci7")
    assert cli.build_parser().parse_args(["status"]).name == "ci7"
    assert k8s_cli._parser().parse_args(["status"]).name == "ci7"  # pylint: disable=protected-access
    assert cli.build_parser().parse_args(["status", "--name", "other"]).name == "other"


def test_help_explains_the_rule(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    assert names.VARIABLE in out and "15-character interface names" in out
