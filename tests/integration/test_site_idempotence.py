"""The main job, site.yml, on the lab: every phase succeeds, and a second run changes nothing.

The lab is what `scripts/lab-site` uses: real nspawn hosts for the nodes phase, the lab's real kube-apiserver
(adopted with platform_engine: external) with the upstream CRDs and the real MetalLB controller for the later
phases, and inventories/lab/group_vars (fixture charts, no internet). A changed task in the second run fails
the test with the play, task and host that changed.
"""

import json

import pytest

from tests import helpers
from tests.fixtures.lab_hosts import REPOSITORY

pytestmark = [pytest.mark.lab, pytest.mark.k8s]

NAME, SUBNET = "site", "10.213.60.0/24"


@pytest.fixture(name="site_inventory")
def site_inventory_fixture(lab_hosts, lab_k8s, metallb_controller, tmp_path):  # pylint: disable=unused-argument
    """An inventory dir with the lab's hosts.yml and the lab's group_vars, the CRDs loaded."""
    lab = lab_hosts(NAME, SUBNET, nodes=2)
    lab_k8s.load_crds("metallb", "cert-manager", "pgo", "istio")
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "hosts.yml").write_text(lab.inventory.read_text(encoding="utf-8"), encoding="utf-8")
    (inventory / "group_vars").symlink_to(REPOSITORY / "inventories" / "lab" / "group_vars")
    return inventory


def run_site(inventory, kubeconfig):
    """ansible-playbook site.yml with the JSON callback; return (rc, parsed result, stderr)."""
    result = helpers.run_playbook("site.yml", "-e", f"platform_kubeconfig={kubeconfig}", inventory=str(inventory), connection=None,
                                  interpreter=None, settings={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}, timeout=1800)
    try:
        parsed = json.loads(result.stdout[result.stdout.index("{"):])
    except ValueError:
        pytest.fail(f"site.yml printed no JSON result (rc {result.returncode}): {result.stdout[-2000:]} {result.stderr[-2000:]}")
    return result.returncode, parsed, result.stderr


def problems(parsed, key):
    """'play / task / host' for every task result with ``key`` true (changed, failed, unreachable)."""
    found = []
    for play in parsed["plays"]:
        for task in play["tasks"]:
            for host, outcome in task["hosts"].items():
                if outcome.get(key):
                    message = outcome.get("msg", "") if key != "changed" else ""
                    found.append(f"{play['play']['name']} / {task['task']['name']} / {host} {message}".strip())
    return found


def test_site_yml_converges_and_a_second_run_changes_nothing(site_inventory, lab_k8s):
    code, first, stderr = run_site(site_inventory, lab_k8s.kubeconfig)
    assert code == 0, f"first site.yml run failed: {problems(first, 'failed') + problems(first, 'unreachable')} {stderr[-1500:]}"
    assert problems(first, "changed"), "the first run changed nothing: the lab was not fresh"
    phases = {play["play"]["name"] for play in first["plays"]}
    for phase in ("nodes", "cluster", "addons", "database"):
        assert any(phase in name.lower() for name in phases), f"no {phase} play ran: {sorted(phases)}"
    code, second, stderr = run_site(site_inventory, lab_k8s.kubeconfig)
    assert code == 0, f"second site.yml run failed: {problems(second, 'failed')} {stderr[-1500:]}"
    assert problems(second, "changed") == [], "the second run changed these tasks"
    assert second["stats"] and all(stats["changed"] == 0 for stats in second["stats"].values())
