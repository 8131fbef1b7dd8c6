"""postgres_* modules run as Ansible runs them: bad input fails with a clear message before any API call.

The API address is a closed local port, so a module that reached for the API before validating would fail with
a connection error instead of the validation message these tests expect.
"""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
COLLECTIONS = os.path.join(REPO, ".ansible", "collections")
NO_API = {"host": "https://127.0.0.1:9", "api_key": "unused", "validate_certs": False}


def run_module(tmp_path, module_name, **args):
    payload = dict(NO_API, **args)
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("K8S_AUTH_"))
    env["PYTHONPATH"] = COLLECTIONS
    module = os.path.join(REPO, "plugins", "modules", module_name + ".py")
    proc = subprocess.run([sys.executable, module, str(args_file)], capture_output=True, text=True, env=env, check=False)
    assert proc.stdout, "module printed nothing; stderr: %s" % proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("args, expected", [
    ({"replicas": 0}, "replicas is 0"),
    ({"name": "Bad_Name"}, "is not a DNS-1035 label"),
    ({"sync_replication": True, "sync_replication_strict": True, "replicas": 0, "allow_single_instance": True},
     "single instance would block every write"),
    ({"storage_size": "lots"}, "is not a Kubernetes quantity"),
])
def test_cluster_bad_input_fails_before_the_api(tmp_path, args, expected):
    result = run_module(tmp_path, "postgres_cluster", **dict({"name": "shop", "namespace": "ns"}, **args))
    assert result.get("failed") is True
    assert result["msg"].startswith("Invalid options, nothing was changed:")
    assert expected in result["msg"]


def test_cluster_valid_input_goes_on_to_the_api(tmp_path):
    """Valid options pass the checks and the module then tries the (closed) API port, which it reports clearly."""
    result = run_module(tmp_path, "postgres_cluster", name="shop", namespace="ns")
    assert result.get("failed") is True
    assert result["msg"].startswith("Could not reach the Kubernetes API:"), result["msg"]
    assert "127.0.0.1" in result["msg"]


def test_operator_deployment_needs_both_names(tmp_path):
    result = run_module(tmp_path, "postgres_cluster", name="shop", namespace="ns", operator_deployment={"name": "pgo"})
    assert result.get("failed") is True
    assert "missing required arguments: namespace found in operator_deployment" in result["msg"]


def test_postgres_version_outside_the_crd_range_fails_before_the_api(tmp_path):
    result = run_module(tmp_path, "postgres_cluster", name="shop", namespace="ns", postgres_version=19)
    assert result["msg"].startswith("Invalid options, nothing was changed:")
    assert "postgres_version 19 is not supported by the PostgresCluster CRD (11 to 18)" in result["msg"]


def test_absent_checks_only_the_names(tmp_path):
    result = run_module(tmp_path, "postgres_cluster", name="shop", namespace="Bad NS", state="absent", replicas=0)
    assert "namespace 'Bad NS'" in result["msg"]
    assert "replicas" not in result["msg"]


def test_unknown_option_is_refused(tmp_path):
    result = run_module(tmp_path, "postgres_cluster", name="shop", namespace="ns", replica_count=2)
    assert result.get("failed") is True
    assert "replica_count" in result["msg"]


def test_credentials_info_bad_cluster_name(tmp_path):
    result = run_module(tmp_path, "postgres_credentials_info", cluster="Shop", namespace="ns")
    assert result.get("failed") is True
    assert result["msg"].startswith("cluster 'Shop'")


def test_backup_bad_type_and_name(tmp_path):
    assert "value of type must be one of" in run_module(tmp_path, "postgres_backup", cluster="shop", namespace="ns",
                                                        type="weekly")["msg"]
    assert run_module(tmp_path, "postgres_backup", cluster="-x", namespace="ns")["msg"].startswith("cluster '-x'")


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
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith("K8S_AUTH_"))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    argv = [os.path.join(REPO, ".venv", "bin", "ansible-playbook"), "-i", "localhost,", "-c", "local", "-v",
            "-e", "ansible_python_interpreter=" + sys.executable, str(playbook)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("censored: 'the output has been hidden") == 1, proc.stdout
    assert "did not set no_log" not in proc.stderr
    assert "Could not" in proc.stdout, "the task without include_password should show its error"
