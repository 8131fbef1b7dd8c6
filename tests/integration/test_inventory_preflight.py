"""Phase 0 on real lab hosts: a bad inventory stops site.yml in the preflight phase, before any change.

Each case is one bad setting on top of the lab's good inventory (inventories/lab/group_vars, the hosts
`./lab up` made). site.yml runs twice per case, with --check and for real; both must fail in a
"Phase 0" play with the case's own message (variable, value, fix), run no later play, and leave the
hosts exactly as they were (a fingerprint of users, sshd, sudoers, packages and enabled units, read
on the hosts over SSH). Phase 0 needs no API server, so no control plane runs here.
"""

import base64
import concurrent.futures
import json
import os
import struct

import pytest

from tests import helpers
from tests.fixtures.lab_hosts import REPOSITORY

pytestmark = [pytest.mark.lab]

# Another lab name and /24 (e.g. to run half of the cases beside a first session): NAME:SUBNET.
NAME, SUBNET = os.environ.get("BAREMETAL_PREFLIGHT_LAB", "pfa:10.213.61.0/24").split(":")
PREFIX = SUBNET.rsplit(".", 1)[0]
NODE1, NODE2 = PREFIX + ".11", PREFIX + ".12"
SECRET = "tiny-token"  # must never appear in the output

FINGERPRINT = (
    "cat /etc/passwd /etc/group /etc/shadow | sha256sum; "
    "find /etc/ssh /etc/sudoers /etc/sudoers.d /home /etc/apt -xdev -printf '%p %s %m %T@\\n' 2>/dev/null | sort | sha256sum; "
    "dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\\n' | sha256sum; "
    "systemctl list-unit-files --state=enabled --no-legend | sha256sum"
)


def short_ed25519_key():
    """Well-formed base64 whose key is one byte short (a key cut when copied)."""
    def string(data):
        return struct.pack(">I", len(data)) + data
    return "ssh-ed25519 " + base64.b64encode(string(b"ssh-ed25519") + string(b"\x01" * 31)).decode() + " cut@laptop"


RKE2 = {"platform_engine": "rke2", "rke2_token": "t" * 32, "rke2_backup_passphrase": "p" * 16}
RKE1 = {"platform_engine": "rke1", "rke1_backup_passphrase": "p" * 16}
CLUSTER = {"name": "marketplace", "namespace": "marketplace", "postgres_version": 17, "replicas": 2}

# id, extra vars, host_vars {host: vars}, fragments that must all be in the failure message
CASES = [
    ("keys-empty", {"node_admin_authorized_keys": []}, {}, ["node_admin_authorized_keys=[]", "the list is empty"]),
    ("key-not-base64", {"node_admin_authorized_keys": ["ssh-ed25519 AAAA$$$$ me"]}, {}, ["node_admin_authorized_keys[0]=", "not base64"]),
    ("key-bad-type", {"node_admin_authorized_keys": ["ssh-edd25519 AAAAC3NzaC1lZDI1NTE5 me"]}, {}, ['type "ssh-edd25519"']),
    ("key-cut", {"node_admin_authorized_keys": [short_ed25519_key()]}, {}, ["32-byte key"]),
    ("admin-root", {"node_admin_user": "root"}, {}, ['node_admin_user="root"', "non-root"]),
    ("guard-key-missing", {"node_admin_private_key_file": "/nonexistent/id_ed25519"}, {},
     ['node_admin_private_key_file="/nonexistent/id_ed25519"', "no such file"]),
    ("engine-unknown", {"platform_engine": "k3s"}, {}, ['platform_engine="k3s"', "rke1, rke2 or external"]),
    ("rke2-token-short", dict(RKE2, rke2_token=SECRET), {}, ["rke2_token=(10 characters)", "16 or more", "vault_rke2_token"]),
    ("rke2-checksum-empty", dict(RKE2, rke2_tarball_checksum_url=""), {}, ['rke2_tarball_checksum_url=""', "rke2_tarball_sha256"]),
    ("rke2-sha256-bad", dict(RKE2, rke2_tarball_sha256="abc"), {}, ['rke2_tarball_sha256="abc"', "64 hex digits"]),
    ("rke2-retention-0", dict(RKE2, rke2_etcd_snapshot_retention=0), {}, ["rke2_etcd_snapshot_retention=0", "at least 1"]),
    ("rke2-no-servers", dict(RKE2, rke2_servers_group="k8s_nobody"), {}, ['rke2_servers_group="k8s_nobody"', "does not exist"]),
    ("rke2-passphrase-short", dict(RKE2, rke2_backup_passphrase="short"), {}, ["rke2_backup_passphrase=(5 characters)"]),
    ("rke1-even-etcd", dict(RKE1, rke1_etcd_group="k8s_worker"), {}, ['rke1_etcd_group="k8s_worker"', "2 etcd nodes", "odd count"]),
    ("rke1-weave", dict(RKE1, rke1_network_plugin="weave", rke1_kubernetes_version="v1.30.5-rancher1-1"), {},
     ["network plugin weave is refused by RKE"]),
    ("address-duplicate", {}, {"node2": {"ansible_host": NODE1}}, ["ansible_host (host node2)", "also ansible_host of host node1"]),
    ("address-invalid", {}, {"node2": {"ansible_host": PREFIX + ".300"}}, [f'ansible_host (host node2)="{PREFIX}.300"', "not a valid IP"]),
    ("internal-not-ip", {}, {"node1": {"internal_address": "node-one"}}, ['internal_address (host node1)="node-one"', "not an IP"]),
    ("internal-duplicate", {}, {"node1": {"internal_address": NODE2}}, ["ansible_host (host node2)", "internal_address of host node1"]),
    ("pool-reversed", {"metallb_address_pools": [{"name": "lab", "addresses": [f"{PREFIX}.250-{PREFIX}.240"]}]}, {},
     ["starts after it ends"]),
    ("pool-host-bits", {"metallb_address_pools": [{"name": "lab", "addresses": [f"{PREFIX}.241/28"]}]}, {},
     [f"did you mean {PREFIX}.240/28"]),
    ("pool-node-address", {"metallb_address_pools": [{"name": "lab", "addresses": [f"{PREFIX}.10-{PREFIX}.11"]}]}, {},
     [f"contains the node address {NODE1}"]),
    ("pool-outside-subnet", {"metallb_address_pools": [{"name": "lab", "addresses": ["172.16.0.10-172.16.0.20"]}]}, {},
     ['"172.16.0.10-172.16.0.20"', "outside the nodes' subnets", "metallb_layer2_subnets"]),
    ("pools-overlap", {"metallb_address_pools": [{"name": "a", "addresses": [f"{PREFIX}.240/29"]},
                                                 {"name": "b", "addresses": [f"{PREFIX}.244-{PREFIX}.250"]}]}, {}, ["overlaps"]),
    ("pools-empty", {"metallb_address_pools": []}, {}, ["metallb_address_pools=[]", "no pool"]),
    ("domain-double-dot", {"platform_domain": "example..com"}, {}, ['platform_domain="example..com"', "empty label"]),
    ("acme-email", {"platform_acme_email": "admin@example..com"}, {}, ['platform_acme_email="admin@example..com"']),
    ("cloudflare-token-empty", {"cert_manager_cloudflare_api_token": ""}, {}, ["cert_manager_cloudflare_api_token=(0 characters)", "DNS01"]),
    ("rancher-password-short", {"rancher_bootstrap_password": SECRET}, {}, ["rancher_bootstrap_password=(10 characters)", "12 or more"]),
    ("rancher-hostname", {"rancher_hostname": "rancher..lab"}, {}, ['rancher_hostname="rancher..lab"']),
    ("postgres-replicas-0", {"platform_postgres_clusters": [dict(CLUSTER, replicas=0)]}, {}, ["replicas is 0", "allow_single_instance"]),
    ("postgres-version", {"platform_postgres_clusters": [dict(CLUSTER, postgres_version=19)]}, {}, ["postgres_version 19 is not supported"]),
    ("postgres-retention-0", {"platform_postgres_clusters": [dict(CLUSTER, backups={"global_options": {"repo1-retention-full": "0"}})]},
     {}, ["backups.global_options.repo1-retention-full=\"0\"", "retention of 1 or more"]),
    ("postgres-no-storage-class", {"platform_postgres_clusters": [CLUSTER], "postgres_operator_storage_class": ""}, {},
     ['storage_class=""', "no storage class named"]),
    ("postgres-users-empty", {"platform_postgres_clusters": [dict(CLUSTER, users=[])]}, {},
     ["platform_postgres_clusters[0].users=[]", "an empty list"]),
    ("registry-settings", {"platform_cicd_registry": True}, {}, ["registry_users=[]", "registry_ha_shared_secret=(0 characters)"]),
    # Several problems at once: all listed in the one failure.
    ("many-at-once", {"platform_domain": "example..com", "rancher_bootstrap_password": SECRET, "metallb_address_pools": []}, {},
     ['platform_domain="example..com"', "rancher_bootstrap_password=(10 characters)", "metallb_address_pools=[]"]),
]


def fingerprints(lab):
    found = {}
    for host in lab.hosts:
        result = lab.ssh(host.name, FINGERPRINT)
        assert result.returncode == 0, f"fingerprint on {host.name} failed: {result.stderr}"
        found[host.name] = result.stdout
    return found


@pytest.fixture(name="preflight_lab", scope="module")
def preflight_lab_fixture(lab_hosts):
    """The lab (started once) and the fingerprint of its fresh hosts."""
    lab = lab_hosts(NAME, SUBNET, nodes=2)
    return lab, fingerprints(lab)


# Each case runs site.yml twice (--check, then for real): 2 x len(CASES) runs, each a few seconds of
# Ansible startup and checks on the controller. They are independent (phase 0 only reads), so they run
# side by side, one per core; the hosts' fingerprint is read once more after all of them.
WORKERS = max(2, os.cpu_count() or 2)
MODES = (("--check",), ())


def run_site(inventory, *arguments):
    return helpers.run_playbook("site.yml", *arguments, inventory=str(inventory), connection=None, interpreter=None,
                                settings={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}, timeout=900)


def parse(result, label):
    try:
        return json.loads(result.stdout[result.stdout.index("{"):])
    except ValueError:
        pytest.fail(f"{label}: site.yml printed no JSON result (rc {result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}")


def failures(parsed):
    return [(play["play"]["name"], task["task"]["name"], outcome.get("msg", ""))
            for play in parsed["plays"] for task in play["tasks"]
            for outcome in task["hosts"].values() if outcome.get("failed") or outcome.get("unreachable")]


def write_case(work, lab, extra, host_vars):
    """The lab's good inventory plus the case's bad settings; returns (inventory dir, extra vars file)."""
    inventory = work / "inventory"
    inventory.mkdir()
    (inventory / "hosts.yml").write_text(lab.inventory.read_text(encoding="utf-8"), encoding="utf-8")
    (inventory / "group_vars").symlink_to(REPOSITORY / "inventories" / "lab" / "group_vars")
    if host_vars:
        (inventory / "host_vars").mkdir()
        for host, variables in host_vars.items():
            (inventory / "host_vars" / f"{host}.yml").write_text(json.dumps(variables), encoding="utf-8")
    extra_file = work / "extra.json"
    extra_file.write_text(json.dumps(extra), encoding="utf-8")
    return inventory, extra_file


def plays_after_phase_0(parsed, label):
    """The plays that ran after phase 0 began; before it only the survey-answers play (set_fact, no connection) may."""
    names = [play["play"]["name"] for play in parsed["plays"]]
    first = next((index for index, name in enumerate(names) if name.startswith("Phase 0")), None)
    assert first is not None, f"{label}: phase 0 did not run: {names}"
    assert all(name.startswith("Survey answers") for name in names[:first]), f"{label}: plays before phase 0: {names}"
    return [name for name in names[first:] if not name.startswith("Phase 0")]


@pytest.fixture(name="outcomes", scope="module")
def outcomes_fixture(preflight_lab, tmp_path_factory):
    """Every case's two site.yml runs, keyed by (case, mode)."""
    lab, _before = preflight_lab
    jobs = []
    for case, extra, host_vars, _fragments in CASES:
        inventory, extra_file = write_case(tmp_path_factory.mktemp(f"preflight-{case}"), lab, extra, host_vars)
        jobs.extend((case, mode, inventory, extra_file) for mode in MODES)
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda job: run_site(job[2], "-e", f"@{job[3]}", *job[1]), jobs))
    return {(case, mode): result for (case, mode, _inventory, _extra), result in zip(jobs, results)}


@pytest.mark.parametrize("case, fragments", [(case[0], case[3]) for case in CASES], ids=[case[0] for case in CASES])
def test_bad_inventory_stops_in_phase_0(outcomes, case, fragments):
    for mode in MODES:
        result = outcomes[(case, mode)]
        label = f"{case} {' '.join(mode) or 'real run'}"
        parsed = parse(result, label)
        assert result.returncode != 0, f"{label}: site.yml succeeded on a bad inventory"
        failed = failures(parsed)
        assert failed, f"{label}: rc {result.returncode} but no failed task: {result.stderr[-1500:]}"
        assert all(play.startswith("Phase 0") for play, _task, _msg in failed), f"{label}: failed outside phase 0: {failed}"
        assert plays_after_phase_0(parsed, label) == [], f"{label}: plays after phase 0 ran"
        message = " ".join(" ".join(msg for _play, _task, msg in failed).split())
        for fragment in fragments:
            assert fragment in message, f"{label}: {fragment!r} not in {message}"
        assert SECRET not in result.stdout + result.stderr, f"{label}: a secret was printed"
        assert "has no element" not in message


def test_no_bad_inventory_changed_the_hosts(preflight_lab, outcomes):
    """After every case ran for real and with --check, the hosts are exactly as `./lab up` left them."""
    lab, before = preflight_lab
    assert len(outcomes) == 2 * len(CASES)
    assert fingerprints(lab) == before, "a bad inventory changed the hosts (see which case's real run reached them)"


def test_the_good_lab_inventory_passes_phase_0(preflight_lab, tmp_path):
    """Phase 0 alone (playbooks/preflight.yml) passes the lab's good inventory without touching the hosts."""
    lab, before = preflight_lab
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "hosts.yml").write_text(lab.inventory.read_text(encoding="utf-8"), encoding="utf-8")
    (inventory / "group_vars").symlink_to(REPOSITORY / "inventories" / "lab" / "group_vars")
    result = helpers.run_playbook("playbooks/preflight.yml", inventory=str(inventory), connection=None, interpreter=None,
                                  settings={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    assert result.returncode == 0, result.stdout[-3000:]
    assert "the inventory passed every check" in result.stdout
    assert fingerprints(lab) == before


def test_a_limit_without_localhost_still_stops_on_the_hosts_own_problems(preflight_lab, tmp_path):
    """--limit node1 skips phase 0's controller play; node1's own bad setting must still stop the run in phase 0."""
    lab, before = preflight_lab
    inventory, extra_file = write_case(tmp_path, lab, {}, {"node1": {"node_admin_authorized_keys": []}})
    result = run_site(inventory, "-e", f"@{extra_file}", "--limit", "node1")
    parsed = parse(result, "--limit node1")
    assert result.returncode != 0, "site.yml --limit node1 succeeded with an empty key list on node1"
    failed = failures(parsed)
    assert failed and all(play.startswith("Phase 0") for play, _task, _msg in failed), failed
    assert plays_after_phase_0(parsed, "--limit node1") == []
    message = " ".join(" ".join(msg for _play, _task, msg in failed).split())
    assert "node_admin_authorized_keys=[]" in message and "node1" in message, message
    assert "leaves out localhost" in result.stdout
    assert fingerprints(lab) == before
