"""The job templates' playbooks run the way AWX runs them: ansible-runner with an AWX-shaped private data dir.

AWX hands a job to ansible-runner as a private data dir: ``inventory/hosts`` (a script printing the imported
inventory as JSON, group variables on their groups), ``env/extravars`` (the job template's extra_vars and the
survey answers, which are strings: "false", "3"), ``env/envvars`` (what credentials inject, e.g. K8S_AUTH_* of
the Kubernetes bearer-token credential), ``env/ssh_key`` and ``env/cmdline`` (the Machine credential) and
``project/`` (the synced project). Runner writes ``artifacts/<ident>/`` with ``rc``, ``status`` and one JSON file
per job event. No network: the lab hosts, the lab control plane and fixture charts are on this machine.
"""
import base64
import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile

import pytest
import yaml

from tests.fixtures.lab_hosts import REPOSITORY
from tests.fixtures.lab_k8s import SESSION_NAME, LabK8s
from tools.lab.k8s import cluster, controllers

pytestmark = [pytest.mark.lab, pytest.mark.k8s]

NAME, SUBNET = "awx", "10.213.70.0/24"
BIN = os.path.dirname(sys.executable)
ANSIBLE_RUNNER = os.path.join(BIN, "ansible-runner")
ANSIBLE_INVENTORY = os.path.join(BIN, "ansible-inventory")
# What a survey of the nodes job template sends: every answer a string (AWX's multiplechoice true/false, and
# integers as the API receives them from a form). node_swap_disabled "false" must switch swap handling off.
NODES_SURVEY = {"node_admin_user": "kubeuser", "node_ssh_hardening_enabled": "true",
                "node_ssh_permit_root_login": "prohibit-password", "node_ssh_max_auth_tries": "3",
                "node_swap_disabled": "false", "node_time_sync": "systemd-timesyncd"}
ADDONS_SURVEY = {"metallb_chart_version": "0.16.1", "metallb_helm_wait_timeout": "300",
                 "cert_manager_acme_environment": "production", "cert_manager_wait_for_certificate": "false",
                 "rancher_replicas": "3", "rancher_tls_source": "rancher", "istio_gateway_load_balancer_ip": ""}


CONTROL_DIRS = []
# The addons job installs the whole stack (charts, pools, releases): on a control plane of this module's own,
# so nothing leaks into the session's shared one that later tests use, and nothing earlier tests left shows here.
OWN_PLANE = SESSION_NAME[:5] + "awx"


@pytest.fixture(name="lab_k8s", scope="module")
def own_control_plane_fixture():
    """This module's own lab control plane (overrides the session's ``lab_k8s`` here)."""
    try:
        yield LabK8s(cluster.up(OWN_PLANE, progress=lambda _line: None))
    finally:
        cluster.down(OWN_PLANE, progress=lambda _line: None)


@pytest.fixture(name="metallb_controller", scope="module")
def own_metallb_controller_fixture(lab_k8s):
    """The real MetalLB controller against this module's control plane."""
    controllers.start(lab_k8s.name, "metallb", progress=lambda _line: None)
    try:
        yield controllers.METALLB_NAMESPACE
    finally:
        controllers.stop(lab_k8s.name, "metallb", progress=lambda _line: None)


@pytest.fixture(autouse=True, scope="module")
def _remove_control_dirs():
    try:
        yield
    finally:
        for path in CONTROL_DIRS:
            shutil.rmtree(path, ignore_errors=True)


def require_runner():
    for path, what in ((ANSIBLE_RUNNER, "ansible-runner"), (ANSIBLE_INVENTORY, "ansible-inventory")):
        if not os.path.exists(path):
            pytest.fail(f"{what} is missing at {path}: run scripts/setup (requirements-dev.txt pins ansible-runner)")


@pytest.fixture(name="awx_lab", scope="module")
def awx_lab_fixture(lab_hosts, tmp_path_factory):
    """The lab hosts, and their inventory as AWX imports it from an SCM source (hosts.yml + the lab's group_vars)."""
    require_runner()
    lab = lab_hosts(NAME, SUBNET, nodes=2)
    source = tmp_path_factory.mktemp("awx-inventory-source") / "lab"
    source.mkdir()
    (source / "hosts.yml").write_text(lab.inventory.read_text(encoding="utf-8"), encoding="utf-8")
    (source / "group_vars").symlink_to(REPOSITORY / "inventories" / "lab" / "group_vars")
    # What AWX's inventory update runs on an SCM source; group variables stay on their groups.
    result = subprocess.run([ANSIBLE_INVENTORY, "-i", str(source), "--list", "--export"], capture_output=True, text=True,
                            env=dict(os.environ, ANSIBLE_CONFIG=str(REPOSITORY / "ansible.cfg")), timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(f"ansible-inventory --list of the lab inventory failed: {result.stderr}")
    return lab, json.loads(result.stdout)


def private_data_dir(root, imported, extravars, envvars, ssh_key=None):
    """An AWX-shaped private data dir for ansible-runner."""
    root.mkdir()
    (root / "inventory").mkdir()
    script = root / "inventory" / "hosts"
    script.write_text("#!/usr/bin/env python3\n# The inventory AWX hands a job: a script printing the imported hosts and groups.\n"
                      "import json, sys\nDATA = " + repr(json.dumps(imported)) + "\n"
                      "print(DATA if '--list' in sys.argv else '{}')\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (root / "env").mkdir()
    (root / "env" / "extravars").write_text(yaml.safe_dump(extravars), encoding="utf-8")
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")
    (root / "env" / "settings").write_text(yaml.safe_dump({"job_timeout": 1800, "idle_timeout": 900,
                                                           "suppress_ansible_output": False}), encoding="utf-8")
    if ssh_key is not None:
        # The Machine credential: runner loads the key into an ssh-agent; the user goes on the command line.
        (root / "env" / "ssh_key").write_text(ssh_key, encoding="utf-8")
        (root / "env" / "cmdline").write_text("-u root", encoding="utf-8")
    # The synced project, and the collections AWX installs from it (here: this checkout as baremetal.platform).
    (root / "project").symlink_to(REPOSITORY)
    collections = root / "requirements_collections" / "ansible_collections" / "baremetal"
    collections.mkdir(parents=True)
    (collections / "platform").symlink_to(REPOSITORY)
    return root


def awx_envvars(root, **extra):
    """The variables AWX sets for every job (collections from the project, then the EE's)."""
    site = os.path.join(sysconfig.get_paths()["purelib"])
    # AWX keeps SSH control sockets in a short directory of the job (Unix socket paths are limited to 108 bytes).
    control = tempfile.mkdtemp(prefix="awx-cp-", dir="/tmp")
    CONTROL_DIRS.append(control)
    return dict({"ANSIBLE_COLLECTIONS_PATH": f"{root}/requirements_collections:{site}",
                 "ANSIBLE_SSH_CONTROL_PATH_DIR": control,
                 "ANSIBLE_CACHE_PLUGIN_CONNECTION": f"{root}/facts", "ANSIBLE_FORCE_COLOR": "False",
                 "ANSIBLE_NOCOLOR": "1", "AWX_HOST": "https://awx.example.test", "JOB_ID": "1"}, **extra)


def run_job(root, playbook, ident):
    """ansible-runner run as AWX's task manager does (no containers here); returns (rc, status, events, stdout)."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("K8S_AUTH_", "KUBECONFIG", "ANSIBLE_"))}
    environment["PATH"] = BIN + os.pathsep + environment.get("PATH", "")
    environment["HOME"] = str(root / "home")  # no ~/.kube/config to fall back on
    (root / "home").mkdir(exist_ok=True)
    result = subprocess.run([ANSIBLE_RUNNER, "run", str(root), "-p", playbook, "--ident", str(ident)],
                            capture_output=True, text=True, env=environment, timeout=2400, check=False)
    artifacts = root / "artifacts" / str(ident)
    if not (artifacts / "rc").is_file():
        pytest.fail(f"ansible-runner wrote no artifacts ({result.returncode}): {result.stdout[-3000:]} {result.stderr[-2000:]}")
    events = []
    for path in sorted(glob.glob(str(artifacts / "job_events" / "*.json")), key=lambda p: int(os.path.basename(p).split("-")[0])):
        with open(path, encoding="utf-8") as handle:
            events.append(json.load(handle))
    stdout = (artifacts / "stdout").read_text(encoding="utf-8") if (artifacts / "stdout").is_file() else result.stdout
    return int((artifacts / "rc").read_text().strip()), (artifacts / "status").read_text().strip(), events, stdout


def stats(events):
    (final,) = [event for event in events if event["event"] == "playbook_on_stats"]
    return final["event_data"]


def changed_tasks(events):
    return [f'{event["event_data"].get("task")} / {event["event_data"].get("host")}' for event in events
            if event["event"] == "runner_on_ok" and event["event_data"].get("res", {}).get("changed")]


def failures(events):
    return [f'{event["event_data"].get("task")} / {event["event_data"].get("host")}: '
            f'{event["event_data"].get("res", {}).get("msg")}' for event in events if event["event"] == "runner_on_failed"]


def second_public_key(directory):
    """A public key of a second operator, as they would paste it into the survey."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "second@operator", "-f", str(directory / "second")],
                   check=True, capture_output=True, timeout=60)
    return (directory / "second.pub").read_text(encoding="utf-8").strip()


def test_the_nodes_job_template_runs_through_ansible_runner_and_a_second_run_changes_nothing(awx_lab, tmp_path):
    lab, imported = awx_lab
    root = tmp_path / "job"
    # The list question as a textarea answers it: one key per line (the lab's own key and a second one), in
    # node_admin_authorized_keys_survey_lines; playbooks/survey_answers.yml makes node_admin_authorized_keys of it.
    lab_key = lab.ssh_key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    second_key = second_public_key(tmp_path)
    survey = dict(NODES_SURVEY, node_admin_authorized_keys_survey_lines=f"{lab_key}\n\n{second_key}\n")
    private_data_dir(root, imported, survey, {}, ssh_key=lab.ssh_key.read_text(encoding="utf-8"))
    (root / "env" / "envvars").write_text(yaml.safe_dump(awx_envvars(root)), encoding="utf-8")

    code, status, events, stdout = run_job(root, "playbooks/nodes.yml", 1)
    assert code == 0 and status == "successful", f"{failures(events)} {stdout[-3000:]}"
    kinds = {event["event"] for event in events}
    assert {"playbook_on_start", "playbook_on_play_start", "playbook_on_task_start", "runner_on_ok", "playbook_on_stats"} <= kinds
    first = stats(events)
    # localhost ran only the survey-answers play (its set_fact), no change.
    assert sorted(set(first["ok"]) - {"localhost"}) == sorted(host.name for host in lab.hosts)
    assert sum(first["changed"].values()) > 0, "the first run changed nothing: the lab was not fresh"
    # "false" from the survey behaves like false: the swap tasks are skipped on every node.
    skipped = {event["event_data"]["host"] for event in events if event["event"] == "runner_on_skipped"
               and event["event_data"].get("task") == "Turn swap off and keep it off"}
    assert skipped == {host.name for host in lab.hosts}
    # "true" behaves like true: sshd got the hardened drop-in with MaxAuthTries from the string "3".
    result = lab.ssh(lab.hosts[0].name, "sshd -T | grep -i -E '^(maxauthtries|passwordauthentication) '")
    assert "maxauthtries 3" in result.stdout and "passwordauthentication no" in result.stdout, result.stdout
    # The textarea's lines became the admin's keys.
    keys = lab.ssh(lab.hosts[0].name, f"cat ~{NODES_SURVEY['node_admin_user']}/.ssh/authorized_keys").stdout
    assert second_key in keys and lab_key in keys, keys

    code, status, events, stdout = run_job(root, "playbooks/nodes.yml", 2)
    assert code == 0 and status == "successful", f"{failures(events)} {stdout[-3000:]}"
    assert changed_tasks(events) == [], "the second run changed these tasks"
    assert all(value == 0 for value in stats(events)["changed"].values())


@pytest.fixture(name="bearer_token", scope="module")
def bearer_token_fixture(lab_k8s, metallb_controller):  # pylint: disable=unused-argument
    """A cluster-admin ServiceAccount token from the TokenRequest API, and the API server's CA (PEM)."""
    lab_k8s.load_crds("metallb", "cert-manager", "pgo", "istio")
    lab_k8s.kubectl("create", "serviceaccount", "awx-platform", "-n", "kube-system", check=False)
    lab_k8s.kubectl("create", "clusterrolebinding", "awx-platform", "--clusterrole=cluster-admin",
                    "--serviceaccount=kube-system:awx-platform", check=False)
    token = lab_k8s.kubectl("create", "token", "awx-platform", "-n", "kube-system", "--duration=2h").stdout.strip()
    with open(lab_k8s.kubeconfig, encoding="utf-8") as handle:
        cluster = yaml.safe_load(handle)["clusters"][0]["cluster"]
    return token, base64.b64decode(cluster["certificate-authority-data"]).decode()


def kubernetes_credential(root, token, ca_pem, server):
    """What AWX's "OpenShift or Kubernetes API Bearer Token" credential injects (the CA goes to a file)."""
    ca_file = root / "env" / "k8s_ca.crt"
    ca_file.write_text(ca_pem, encoding="utf-8")
    return {"K8S_AUTH_HOST": server, "K8S_AUTH_API_KEY": token, "K8S_AUTH_SSL_CA_CERT": str(ca_file),
            "K8S_AUTH_VERIFY_SSL": "True"}


def addons_job(awx_lab, tmp_path, lab_k8s, token, ca_pem, extravars, name):
    _lab, imported = awx_lab
    root = private_data_dir(tmp_path / name, imported, extravars, {})
    envvars = awx_envvars(root, **kubernetes_credential(root, token, ca_pem, lab_k8s.server))
    (root / "env" / "envvars").write_text(yaml.safe_dump(envvars), encoding="utf-8")
    return root


# The job template's extra_vars with the Kubernetes credential attached: no kubeconfig file. OpenEBS is switched
# off with the string "false", to prove the playbook's `| bool` reads a survey's string as a boolean.
NO_KUBECONFIG = {"platform_kubeconfig": "", "platform_addons_openebs": "false"}


@pytest.mark.parametrize("answers, message", [
    ({"metallb_chart_version": "latest"}, "MetalLB settings are invalid, nothing was changed"),
    ({"metallb_address_pools": [{"name": "lab", "addresses": ["10.213.70.240/33"]}]},
     "The MetalLB settings are not valid, nothing was changed: metallb_address_pools="),
])
def test_an_invalid_answer_fails_in_the_preflight_before_any_change(awx_lab, tmp_path, lab_k8s, bearer_token, answers, message):
    token, ca_pem = bearer_token
    root = addons_job(awx_lab, tmp_path, lab_k8s, token, ca_pem, dict(ADDONS_SURVEY, **NO_KUBECONFIG, **answers), "invalid")
    code, status, events, stdout = run_job(root, "playbooks/addons.yml", 1)
    assert code != 0 and status == "failed"
    assert any(message in failure for failure in failures(events)), f"{failures(events)} {stdout[-2000:]}"
    assert changed_tasks(events) == []
    # The namespace belongs to the lab's MetalLB controller; the role's release and pools must not exist.
    assert "metallb" not in lab_k8s.helm("list", "-A", "-q").stdout.split(), "the MetalLB chart was installed"
    assert lab_k8s.kubectl_json("get", "ipaddresspools.metallb.io", "-A")["items"] == []


def test_a_wrong_bearer_token_is_refused_by_the_api(awx_lab, tmp_path, lab_k8s, bearer_token):
    """The phase really authenticates with K8S_AUTH_API_KEY: a wrong token fails, nothing changes."""
    _token, ca_pem = bearer_token
    root = addons_job(awx_lab, tmp_path, lab_k8s, "not-a-valid-token", ca_pem, dict(ADDONS_SURVEY, **NO_KUBECONFIG), "badtoken")
    code, _status, events, stdout = run_job(root, "playbooks/addons.yml", 1)
    assert code != 0
    assert "Unauthorized" in stdout or "401" in stdout, stdout[-3000:]
    assert changed_tasks(events) == []


def test_the_addons_job_template_runs_with_only_the_kubernetes_credential_and_converges(awx_lab, tmp_path, lab_k8s, bearer_token):
    token, ca_pem = bearer_token
    root = addons_job(awx_lab, tmp_path, lab_k8s, token, ca_pem, dict(ADDONS_SURVEY, **NO_KUBECONFIG), "addons")
    # What the job has besides the project: no kubeconfig file, no variable pointing at one.
    envvars = yaml.safe_load((root / "env" / "envvars").read_text(encoding="utf-8"))
    assert not [key for key in envvars if "KUBECONFIG" in key]
    assert not [path for part in ("env", "inventory") for path in glob.glob(str(root / part / "**"), recursive=True)
                if "kubeconfig" in os.path.basename(path)]
    code, status, events, stdout = run_job(root, "playbooks/addons.yml", 1)
    assert code == 0 and status == "successful", f"{failures(events)} {stdout[-3000:]}"
    assert {"playbook_on_start", "runner_on_ok", "playbook_on_stats"} <= {event["event"] for event in events}
    assert stats(events)["changed"].get("localhost", 0) > 0
    pools = lab_k8s.kubectl_json("get", "ipaddresspools.metallb.io", "-n", "metallb-system")["items"]
    assert [pool["metadata"]["name"] for pool in pools] == ["lab"]
    # "false" from the survey behaves like false: cert-manager did not wait for the certificate (never Ready here).
    by_task = {}
    for event in events:
        if event["event"] in ("runner_on_ok", "runner_on_skipped"):
            by_task.setdefault(event["event_data"].get("task"), set()).add(event["event"])
    assert by_task.get("Wait for the wildcard certificate to become Ready") == {"runner_on_skipped"}
    assert by_task.get("Say that the certificate is not awaited") == {"runner_on_ok"}
    assert "openebs" not in lab_k8s.helm("list", "-A", "-q").stdout.split(), '"false" did not switch OpenEBS off'

    # The same job again, as a scheduled job template would run it: nothing changes.
    code, status, events, stdout = run_job(root, "playbooks/addons.yml", 2)
    assert code == 0 and status == "successful", f"{failures(events)} {stdout[-3000:]}"
    assert changed_tasks(events) == [], "the second addons run changed these tasks"
    shutil.rmtree(root / "home", ignore_errors=True)


DATABASE_SURVEY = {"postgres_operator_install_method": "external", "postgres_operator_storage_class": "local-path",
                   "postgres_operator_wait": "false", "postgres_operator_wait_timeout": "600"}


def test_the_database_job_template_runs_with_only_the_kubernetes_credential(awx_lab, tmp_path, lab_k8s, bearer_token):
    """The collection's own modules (postgres_cluster) take K8S_AUTH_* too; the PostgresCluster lands in the real CRD."""
    token, ca_pem = bearer_token
    if lab_k8s.kubectl("get", "storageclass", "local-path", check=False).returncode != 0:
        # Run alone (without the addons job before it): the class the survey names, as local-path makes it.
        lab_k8s.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local-path"},
                       "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"})
    root = addons_job(awx_lab, tmp_path, lab_k8s, token, ca_pem, dict(DATABASE_SURVEY, platform_kubeconfig=""), "database")
    code, status, events, stdout = run_job(root, "playbooks/database.yml", 1)
    assert code == 0 and status == "successful", f"{failures(events)} {stdout[-3000:]}"
    cluster = lab_k8s.kubectl_json("get", "postgrescluster", "-n", "marketplace", "marketplace")
    assert cluster["spec"]["postgresVersion"] == 17
    code, status, events, stdout = run_job(root, "playbooks/database.yml", 2)
    assert code == 0 and status == "successful", f"{failures(events)} {stdout[-3000:]}"
    assert changed_tasks(events) == [], "the second database run changed these tasks"
