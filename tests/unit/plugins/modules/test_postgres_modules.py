"""postgres_* modules run as Ansible runs them: bad input fails with a clear message before any API call.

The API address is a closed local port, so a module that reached for the API before validating would fail with
a connection error instead of the validation message these tests expect.
"""
import pytest

from tests import helpers


def run_module(module_name, **args):
    """The module against a closed API port, with no K8S_AUTH_* from this environment."""
    return helpers.run_module(module_name, dict(helpers.NO_API, **args), env=helpers.without_k8s_auth())


@pytest.mark.parametrize("args, expected", [
    ({"replicas": 0}, "replicas is 0"),
    ({"name": "Bad_Name"}, "is not a DNS-1035 label"),
    ({"sync_replication": True, "sync_replication_strict": True, "replicas": 0, "allow_single_instance": True},
     "single instance would block every write"),
    ({"storage_size": "lots"}, "is not a Kubernetes quantity"),
])
def test_cluster_bad_input_fails_before_the_api(args, expected):
    result = run_module("postgres_cluster", **dict({"name": "shop", "namespace": "ns"}, **args))
    assert result.get("failed") is True
    assert result["msg"].startswith("Invalid options, nothing was changed:")
    assert expected in result["msg"]


def test_cluster_valid_input_goes_on_to_the_api():
    """Valid options pass the checks and the module then tries the (closed) API port, which it reports clearly."""
    result = run_module("postgres_cluster", name="shop", namespace="ns")
    assert result.get("failed") is True
    assert result["msg"].startswith("Could not reach the Kubernetes API:"), result["msg"]
    assert "127.0.0.1" in result["msg"]


def test_operator_deployment_needs_both_names():
    result = run_module("postgres_cluster", name="shop", namespace="ns", operator_deployment={"name": "pgo"})
    assert result.get("failed") is True
    assert "missing required arguments: namespace found in operator_deployment" in result["msg"]


def test_postgres_version_outside_the_crd_range_fails_before_the_api():
    result = run_module("postgres_cluster", name="shop", namespace="ns", postgres_version=19)
    assert result["msg"].startswith("Invalid options, nothing was changed:")
    assert "postgres_version 19 is not supported by the PostgresCluster CRD (11 to 18)" in result["msg"]


def test_absent_checks_only_the_names():
    result = run_module("postgres_cluster", name="shop", namespace="Bad NS", state="absent", replicas=0)
    assert result.get("failed") is True
    assert result["msg"].startswith("Invalid options, nothing was changed:"), result["msg"]
    assert "namespace 'Bad NS'" in result["msg"]
    assert "replicas" not in result["msg"]


def test_unknown_option_is_refused():
    result = run_module("postgres_cluster", name="shop", namespace="ns", replica_count=2)
    assert result.get("failed") is True
    assert result["msg"].startswith("Unsupported parameters for (") and "replica_count" in result["msg"], result["msg"]


def test_credentials_info_bad_cluster_name():
    result = run_module("postgres_credentials_info", cluster="Shop", namespace="ns")
    assert result.get("failed") is True
    assert result["msg"].startswith("cluster 'Shop'")


def test_credentials_info_valid_input_goes_on_to_the_api():
    """The same call with a valid name gets past the checks: the failure is now the closed API port."""
    result = run_module("postgres_credentials_info", cluster="shop", namespace="ns")
    assert result.get("failed") is True
    assert result["msg"].startswith("Could not reach the Kubernetes API:"), result["msg"]


def test_backup_bad_type_and_name():
    bad_type = run_module("postgres_backup", cluster="shop", namespace="ns", type="weekly")
    assert bad_type.get("failed") is True
    assert "value of type must be one of" in bad_type["msg"] and "got: weekly" in bad_type["msg"], bad_type["msg"]
    bad_name = run_module("postgres_backup", cluster="-x", namespace="ns")
    assert bad_name.get("failed") is True
    assert bad_name["msg"].startswith("cluster '-x'"), bad_name["msg"]


def test_backup_valid_input_goes_on_to_the_api():
    result = run_module("postgres_backup", cluster="shop", namespace="ns")
    assert result.get("failed") is True
    assert result["msg"].startswith("Could not reach the Kubernetes API:"), result["msg"]


def test_backup_info_checks_the_name_then_goes_on_to_the_api():
    bad = run_module("postgres_backup_info", cluster="Shop", namespace="ns")
    assert bad.get("failed") is True
    assert bad["msg"].startswith("cluster 'Shop'"), bad["msg"]
    good = run_module("postgres_backup_info", cluster="shop", namespace="ns")
    assert good.get("failed") is True
    assert good["msg"].startswith("Could not reach the Kubernetes API:"), good["msg"]


def test_backup_list_operation_is_deprecated_before_any_api_call():
    result = run_module("postgres_backup", cluster="shop", namespace="ns", operation="list")
    assert result["msg"].startswith("Could not reach the Kubernetes API:"), result["msg"]
    # ansible-core 2.19 reports each deprecation as a summary: the message under event, the version beside it.
    assert [(item["event"]["msg"], item["version"]) for item in result.get("deprecations", [])] == [
        ("postgres_backup operation=list is deprecated; use baremetal.platform.postgres_backup_info, which only reads "
         "and returns the same backups and repositories.", "1.0.0")], result


def test_include_password_censors_the_task_output(tmp_path):
    """The action plugin hides the whole result when the password is asked for (here the API is unreachable)."""
    playbook = tmp_path / "censor.yml"
    playbook.write_text(
        "- hosts: localhost\n"
        "  gather_facts: false\n"
        "  module_defaults:\n"
        "    group/baremetal.platform.k8s: {host: 'https://127.0.0.1:9', api_key: unused, validate_certs: false}\n"
        "  tasks:\n"
        "    - baremetal.platform.postgres_credentials_info: {cluster: shop, namespace: ns, include_password: true}\n"
        "      ignore_errors: true\n"
        "    - baremetal.platform.postgres_credentials_info: {cluster: shop, namespace: ns}\n"
        "      ignore_errors: true\n")
    proc = helpers.run_playbook(playbook, "-v", env=helpers.without_k8s_auth(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("censored: 'the output has been hidden") == 1, proc.stdout
    assert "did not set no_log" not in proc.stderr
    # The task without include_password shows its result (the closed API port's error); the censored one does not
    # (ansible-core's own [ERROR] line above each result still names the failure, which holds no secret).
    censored, shown = (section.split("FAILED! =>", 1)[1] for section in proc.stdout.split("TASK [")[1:3])
    assert "msg:" not in censored and "censored:" in censored, censored
    assert "msg: 'Could not reach the Kubernetes API" in shown, shown
