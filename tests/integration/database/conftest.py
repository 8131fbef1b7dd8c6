"""Shared helpers for the database phase tests: the lab control plane with PGO's CRDs and a local-path class.

The real postgres-operator cannot be built here (the Go module proxy refuses its source; see
tools/lab/k8s/controllers.py), so these tests check what the real kube-apiserver and the real PostgresCluster
CRD (schema and CEL rules) accept, and the modules' own behaviour. Nothing plays the operator's part except
where a test says so: the test doubles at the API boundary in operator_double.py (the operator Deployment, the
Services, instance StatefulSets and user Secret it creates, its Warning events, in its format) and the user Secret
of test_postgres_credentials_and_backup.py.
"""
import uuid

import pytest

from tests.integration.database.helpers import STORAGE_CLASS


@pytest.fixture(scope="session")
def database_lab(pgo_crds):
    """The session's lab control plane with the PGO CRDs and a local-path StorageClass (removed afterwards if ours)."""
    existed = pgo_crds.kubectl("get", "storageclass", STORAGE_CLASS, "--ignore-not-found", "-o", "name").stdout.strip()
    if not existed:
        pgo_crds.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": STORAGE_CLASS},
                        "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"})
    try:
        yield pgo_crds
    finally:
        if not existed:
            pgo_crds.kubectl("delete", "storageclass", STORAGE_CLASS, "--ignore-not-found", check=False)


@pytest.fixture(name="namespace")
def fixture_namespace(database_lab):
    """A fresh namespace per test, deleted afterwards (also after a failure)."""
    name = "db-" + uuid.uuid4().hex[:8]
    database_lab.kubectl("create", "namespace", name)
    try:
        yield name
    finally:
        database_lab.kubectl("delete", "namespace", name, "--wait=false", check=False)
