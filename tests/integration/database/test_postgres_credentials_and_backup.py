"""postgres_credentials_info and postgres_backup against the real kube-apiserver.

The user Secret is written here in the operator's format (PGO's <cluster>-pguser-<user>), because the real
operator cannot run in the lab; everything else is the modules' own behaviour against the real API.
"""
import base64
import secrets
import textwrap

import pytest

from tests.integration.database.helpers import STORAGE_CLASS, get_cluster, run_module, run_playbook

pytestmark = pytest.mark.k8s


def operator_secret(lab, namespace, password):
    host = "marketplace-primary.%s.svc" % namespace
    bouncer = "marketplace-pgbouncer.%s.svc" % namespace
    data = {"user": "shop", "password": password, "dbname": "shop", "host": host, "port": "5432",
            "uri": "postgresql://shop:%s@%s:5432/shop" % (password, host), "pgbouncer-host": bouncer,
            "pgbouncer-port": "5432", "pgbouncer-uri": "postgresql://shop:%s@%s:5432/shop" % (password, bouncer)}
    labels = {"postgres-operator.crunchydata.com/cluster": "marketplace", "postgres-operator.crunchydata.com/pguser": "shop"}
    lab.apply({"apiVersion": "v1", "kind": "Secret",
               "metadata": {"name": "marketplace-pguser-shop", "namespace": namespace, "labels": labels},
               "data": {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}})


def test_missing_secret_is_a_clear_error(database_lab, namespace):
    result = run_module(database_lab, "postgres_credentials_info", cluster="marketplace", namespace=namespace, user="shop",
                        wait=True, wait_timeout=2)
    assert result.get("failed") is True
    assert "marketplace-pguser-shop does not exist after waiting 2 s" in result["msg"]


def test_password_only_when_asked_and_never_in_verbose_output(database_lab, namespace, tmp_path):
    password = "pw-" + secrets.token_hex(12)
    operator_secret(database_lab, namespace, password)
    playbook = tmp_path / "credentials.yml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - baremetal.platform.postgres_credentials_info:
                cluster: marketplace
                namespace: "{{ ns }}"
                user: shop
              register: safe
            - baremetal.platform.postgres_credentials_info:
                cluster: marketplace
                namespace: "{{ ns }}"
                user: shop
                include_password: true
              register: full
            - ansible.builtin.assert:
                that:
                  - safe.password is not defined
                  - safe.uri == 'postgresql://shop@marketplace-primary.' ~ ns ~ '.svc:5432/shop'
                  - safe.pgbouncer_host == 'marketplace-pgbouncer.' ~ ns ~ '.svc'
                  - safe.port == 5432
                  - full.password == expected
                  - full.uri is search(expected)
                quiet: true
        """))
    run = run_playbook(database_lab, playbook, "-vvv", extra_vars={"ns": namespace, "expected": password})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "marketplace-primary.%s.svc" % namespace in run.stdout, "the safe result should be shown"
    assert password not in run.stdout + run.stderr


def test_backup_request_is_what_the_operator_expects_and_idempotent_per_id(database_lab, namespace):
    created = run_module(database_lab, "postgres_cluster", name="marketplace", namespace=namespace, storage_class=STORAGE_CLASS)
    assert created["changed"] is True, created
    args = {"cluster": "marketplace", "namespace": namespace, "type": "full", "backup_id": "before-migration-1"}

    preview = run_module(database_lab, "postgres_backup", check=True, **args)
    assert preview["changed"] is True
    assert "manual" not in get_cluster(database_lab, namespace, "marketplace")["spec"]["backups"]["pgbackrest"]

    requested = run_module(database_lab, "postgres_backup", **args)
    assert requested["changed"] is True, requested
    found = get_cluster(database_lab, namespace, "marketplace")
    assert found["metadata"]["annotations"]["postgres-operator.crunchydata.com/pgbackrest-backup"] == "before-migration-1"
    assert found["spec"]["backups"]["pgbackrest"]["manual"] == {"repoName": "repo1", "options": ["--type=full"]}

    assert run_module(database_lab, "postgres_backup", **args)["changed"] is False
    # The cluster module does not undo the backup request, and a second cluster run stays unchanged.
    assert run_module(database_lab, "postgres_cluster", name="marketplace", namespace=namespace,
                      storage_class=STORAGE_CLASS)["changed"] is False

    listed = run_module(database_lab, "postgres_backup_info", cluster="marketplace", namespace=namespace)
    assert listed["changed"] is False
    assert listed["backups"] == []  # no operator in the lab: it never ran a backup Job
    assert listed["repositories"] == []  # and wrote no repository status
    # The deprecated operation=list still answers the same, with its deprecation.
    old = run_module(database_lab, "postgres_backup", cluster="marketplace", namespace=namespace, operation="list")
    assert (old["changed"], old["backups"], old["repositories"]) == (False, [], [])
    assert [item["version"] for item in old["deprecations"]] == ["1.0.0"]

    wrong = run_module(database_lab, "postgres_backup", cluster="marketplace", namespace=namespace, repo_name="repo3")
    assert wrong.get("failed") is True
    assert "Repository 'repo3' is not in PostgresCluster" in wrong["msg"]
