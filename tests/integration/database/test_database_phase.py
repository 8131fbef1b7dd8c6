"""The database phase (playbooks/database.yml) from the prod inventory's settings, twice: changed, then changed=0."""
import re

import pytest
import yaml

from tests.integration.database.helpers import REPO, STORAGE_CLASS, get_cluster, run_playbook

pytestmark = pytest.mark.k8s


def recap_changed(stdout):
    match = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", stdout)
    assert match, "no successful play recap in:\n" + stdout[-4000:]
    return int(match.group(1))


def test_database_phase_with_the_seed_settings(database_lab, namespace):
    with open(REPO + "/inventories/prod/group_vars/all/database.yml", encoding="utf-8") as handle:
        settings = yaml.safe_load(handle)
    cluster = dict(settings["platform_postgres_clusters"][0], namespace=namespace)
    extra = dict(settings, platform_kubeconfig=database_lab.kubeconfig, platform_postgres_clusters=[cluster],
                 # The operator is not runnable in the lab; its CRDs are loaded, so the role only checks them.
                 postgres_operator_install_method="external", platform_postgres_report_connections=False)

    first = run_playbook(database_lab, REPO + "/playbooks/database.yml", extra_vars=extra)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-2000:]
    assert recap_changed(first.stdout) >= 1
    second = run_playbook(database_lab, REPO + "/playbooks/database.yml", extra_vars=extra)
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-2000:]
    assert recap_changed(second.stdout) == 0

    spec = get_cluster(database_lab, namespace, "marketplace")["spec"]
    assert spec["instances"][0]["replicas"] == 3
    assert spec["patroni"]["dynamicConfiguration"] == {"synchronous_mode": True, "synchronous_mode_strict": False}
    assert spec["proxy"]["pgBouncer"]["replicas"] == 2
    assert spec["service"]["type"] == "LoadBalancer"
    assert spec["instances"][0]["dataVolumeClaimSpec"]["storageClassName"] == STORAGE_CLASS
    repo = spec["backups"]["pgbackrest"]["repos"][0]
    assert repo["schedules"] == {"full": "0 1 * * 0", "incremental": "0 1 * * 1-6"}
    assert spec["backups"]["pgbackrest"]["global"] == {"repo1-retention-full": "4"}


def test_role_fails_clearly_without_the_storage_class(database_lab):
    extra = {"platform_kubeconfig": database_lab.kubeconfig, "postgres_operator_install_method": "external",
             "postgres_operator_storage_class": "missing-class", "platform_postgres_clusters": [],
             "platform_postgres_report_connections": False}
    run = run_playbook(database_lab, REPO + "/playbooks/database.yml", extra_vars=extra)
    assert run.returncode != 0
    assert "StorageClass missing-class does not exist" in run.stdout
