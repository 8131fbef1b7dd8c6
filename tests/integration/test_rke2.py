"""Role rke2 on three real systemd hosts (lab rk2): two servers and one agent.

The real rke2 pulls container images, so the release tarball given to the role
holds tests/doubles/rke2_test_double as bin/rke2 (same layout, same unit
names). The double runs under systemd, checks config.yaml, refuses to join when
the first server does not answer on 9345, and records each start.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from tests import helpers

pytestmark = pytest.mark.lab

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOUBLE = os.path.join(REPO, "tests", "doubles", "rke2_test_double")
LAB_NAME, LAB_SUBNET = "rk2", "10.213.50.0/24"
TOKEN = "rke2-token-SECRET-4b9d0c2e7a"
PASSPHRASE = "rke2-backup-SECRET-91ac5e"
SERVERS, AGENTS = ("node1", "node2"), ("node3",)


def write_inventory(lab, path):
    """The lab's hosts, grouped as the collection expects: node1 and node2 servers, node3 agent."""
    # The interpreter is set per node: delegated controller tasks must keep the venv's Python.
    hosts = dict((host.name, {"ansible_host": host.address, "internal_address": host.address,
                              "ansible_python_interpreter": "/usr/bin/python3"}) for host in lab.hosts)
    inventory = {"all": {
        "vars": {"ansible_user": "root", "ansible_ssh_private_key_file": str(lab.ssh_key),
                 "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"},
        "hosts": hosts,
        "children": {"k8s_cluster": {"children": {
            "k8s_controlplane": {"hosts": dict((name, {}) for name in SERVERS)},
            "k8s_etcd": {"hosts": dict((name, {}) for name in SERVERS)},
            "k8s_worker": {"hosts": dict((name, {}) for name in AGENTS)}}}}}}
    path.write_text(yaml.safe_dump(inventory))


def run_role(work, extra_vars, verbose=False, check=False):
    """Include the role on k8s_cluster as the cluster phase does; return (returncode, output)."""
    variables = work / "vars.json"
    variables.write_text(json.dumps(extra_vars))
    playbook = work / "play.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Cluster phase (RKE2) under test", "hosts": "k8s_cluster", "gather_facts": False,
        "tasks": [{"name": "Include the rke2 role", "ansible.builtin.include_role": {"name": "baremetal.platform.rke2"}}]}]))
    arguments = ["-e", "@%s" % variables] + (["-vvv"] if verbose else []) + (["--check"] if check else [])
    proc = helpers.run_playbook(playbook, *arguments, inventory=str(work / "inventory.yml"), connection=None, interpreter=None,
                                timeout=1800)
    return proc.returncode, proc.stdout + proc.stderr


def recap(output):
    """host -> changed count from the PLAY RECAP."""
    return dict((host, int(changed)) for host, changed in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M))


def remote(lab, host, command):
    result = lab.ssh(host, command)
    assert result.returncode == 0, "%s on %s failed: %s" % (command, host, result.stderr)
    return result.stdout


@pytest.fixture(name="cluster", scope="module")
def fixture_cluster(lab_hosts, tmp_path_factory):
    """Two runs of the role (the first at -vvv) on a fresh lab; outputs and paths for the assertions."""
    lab = lab_hosts(LAB_NAME, LAB_SUBNET, nodes=3)
    work = tmp_path_factory.mktemp("rke2")
    tarball = work / "rke2.linux-amd64.tar.gz"
    subprocess.run([sys.executable, DOUBLE, "--pack", str(tarball)], check=True)
    write_inventory(lab, work / "inventory.yml")
    settings = {
        "rke2_token": TOKEN,
        "rke2_backup_passphrase": PASSPHRASE,
        "rke2_tarball_src": str(tarball),
        "rke2_tarball_sha256": hashlib.sha256(tarball.read_bytes()).hexdigest(),
        "rke2_kubeconfig_dest": str(work / "artifacts" / "kubeconfig"),
        "rke2_backup_dest": str(work / "artifacts" / "backups"),
        "rke2_node_labels": ["lab=rk2"],
        "rke2_node_taints": [],
        "rke2_start_timeout": 120,
    }
    check_code, check_output = run_role(work, settings, check=True)
    assert check_code == 0, check_output[-6000:]
    fresh = dict((host.name, lab.ssh(host.name, "test -e /etc/rancher/rke2 || test -e /usr/local/bin/rke2").returncode) for host in lab.hosts)
    fresh["controller kubeconfig"] = 0 if os.path.exists(settings["rke2_kubeconfig_dest"]) else 1
    first_code, first = run_role(work, settings, verbose=True)
    assert first_code == 0, first[-6000:]
    second_code, second = run_role(work, settings)
    assert second_code == 0, second[-6000:]
    check_again_code, check_again = run_role(work, settings, check=True)
    assert check_again_code == 0, check_again[-6000:]
    return {"lab": lab, "work": work, "settings": settings, "first": first, "second": second,
            "check_before": check_output, "fresh_after_check": fresh, "check_after": check_again}


def test_config_files_land_on_the_right_nodes(cluster):
    lab = cluster["lab"]
    address = dict((host.name, host.address) for host in lab.hosts)
    for name in SERVERS + AGENTS:
        assert remote(lab, name, "stat -c %a /etc/rancher/rke2/config.yaml").strip() == "600"
        config = yaml.safe_load(remote(lab, name, "cat /etc/rancher/rke2/config.yaml"))
        assert config["token"] == TOKEN
        assert config["node-name"] == name
        assert config["node-ip"] == address[name]
        assert config["node-label"] == ["lab=rk2"]
        if name == SERVERS[0]:
            assert "server" not in config
        else:
            assert config["server"] == "https://%s:9345" % address[SERVERS[0]]
        if name in SERVERS:
            assert address[SERVERS[0]] in config["tls-san"]
            assert config["cni"] == "canal"
            assert config["etcd-snapshot-retention"] == 5
        else:
            assert not set(config) & {"tls-san", "cni", "etcd-snapshot-schedule-cron", "etcd-snapshot-retention"}


def test_services_run_and_the_first_server_started_first(cluster):
    lab = cluster["lab"]
    starts = {}
    for name in SERVERS + AGENTS:
        unit = "rke2-server" if name in SERVERS else "rke2-agent"
        assert remote(lab, name, "systemctl is-active %s" % unit).strip() == "active"
        assert remote(lab, name, "systemctl is-enabled %s" % unit).strip() == "enabled"
        records = [json.loads(line) for line in remote(lab, name, "cat /var/lib/rancher/rke2/test-double/starts.jsonl").splitlines()]
        assert records and all(record["mode"] == ("server" if name in SERVERS else "agent") for record in records)
        starts[name] = records[0]["time"]
    assert starts["node1"] < starts["node2"] <= starts["node3"]


def test_kubeconfig_is_fetched_with_the_server_address(cluster):
    path = cluster["work"] / "artifacts" / "kubeconfig"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    kubeconfig = yaml.safe_load(path.read_text())
    first = [host.address for host in cluster["lab"].hosts if host.name == SERVERS[0]][0]
    assert [entry["cluster"]["server"] for entry in kubeconfig["clusters"]] == ["https://%s:6443" % first]


def test_state_backup_restores_the_first_servers_token_and_config(cluster, tmp_path):
    backups = cluster["work"] / "artifacts" / "backups"
    archives = sorted(name for name in os.listdir(backups) if name.endswith(".tar.gz.vault"))
    assert len(archives) == 1, archives  # the second run found nothing new to back up
    restored = tmp_path / "restored"
    args = {"state": "restored", "src_dir": str(restored), "dest": str(backups), "cluster_name": "rke2",
            "passphrase": PASSPHRASE, "files": ["token", "config.yaml", "etcd-snapshot.db", "etcd-snapshot.name"]}
    args_file = tmp_path / "args.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    module = os.path.join(REPO, "plugins", "modules", "cluster_state_backup.py")
    proc = subprocess.run([sys.executable, module, str(args_file)], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.path.join(REPO, ".ansible", "collections")))
    assert json.loads(proc.stdout).get("failed") is not True, proc.stdout
    lab = cluster["lab"]
    assert (restored / "token").read_text() == remote(lab, SERVERS[0], "cat /var/lib/rancher/rke2/server/token")
    assert (restored / "config.yaml").read_text() == remote(lab, SERVERS[0], "cat /etc/rancher/rke2/config.yaml")
    snapshot = (restored / "etcd-snapshot.name").read_text().strip()
    assert snapshot.startswith("ansible-") and (restored / "etcd-snapshot.db").read_bytes().startswith(b"TEST-DOUBLE-ETCD-SNAPSHOT")


def test_second_run_changes_nothing(cluster):
    changed = recap(cluster["second"])
    assert sorted(changed) == sorted(SERVERS + AGENTS)
    assert changed == dict((name, 0) for name in SERVERS + AGENTS)


def test_no_secret_in_the_verbose_output(cluster):
    assert "ESTABLISH SSH CONNECTION" in cluster["first"]  # -vvv really was in force
    for output in (cluster["first"], cluster["second"]):
        assert TOKEN not in output
        assert PASSPHRASE not in output


def test_local_tarball_without_its_checksum_fails_before_any_change(cluster, tmp_path):
    """Air-gapped: a tarball on the controller comes with its sha256; without it nothing runs."""
    (tmp_path / "inventory.yml").write_text((cluster["work"] / "inventory.yml").read_text())
    code, output = run_role(tmp_path, dict(cluster["settings"], rke2_tarball_sha256=""))
    assert code != 0
    assert "is a local file and needs its own checksum" in output and "rke2_tarball_sha256=\"\"" in output
    assert all(count == 0 for count in recap(output).values())


def test_check_mode_changes_nothing(cluster):
    # On fresh nodes --check ran without error and left no trace; on the built cluster it predicts no change.
    assert all(code != 0 for code in cluster["fresh_after_check"].values()), cluster["fresh_after_check"]
    assert recap(cluster["check_before"])
    assert recap(cluster["check_after"]) == dict((name, 0) for name in SERVERS + AGENTS)
