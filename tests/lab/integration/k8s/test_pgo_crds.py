"""PostgresCluster objects are validated by the real Crunchy postgres-operator CRD schema."""

import copy

import pytest

pytestmark = pytest.mark.k8s

MINIMAL = {
    "apiVersion": "postgres-operator.crunchydata.com/v1beta1",
    "kind": "PostgresCluster",
    "metadata": {"name": "hippo", "namespace": "default"},
    "spec": {
        "postgresVersion": 16,
        "instances": [{"name": "instance1", "dataVolumeClaimSpec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
        "users": [{"name": "app", "databases": ["app"]}],
    },
}


def _variant(**spec):
    document = copy.deepcopy(MINIMAL)
    document["metadata"]["name"] = "hippo-invalid"
    document["spec"].update(spec)
    return document


def test_minimal_postgres_cluster_is_accepted(pgo_crds):
    pgo_crds.apply(MINIMAL, "--server-side", "--field-manager=pytest")
    try:
        stored = pgo_crds.kubectl_json("get", "postgrescluster", "-n", "default", "hippo")
        assert stored["spec"]["postgresVersion"] == 16
        assert stored["spec"]["instances"][0]["name"] == "instance1"
    finally:
        pgo_crds.kubectl("delete", "postgrescluster", "-n", "default", "hippo", "--ignore-not-found")


@pytest.mark.parametrize("document, message", [
    (_variant(postgresVersion=9), "spec.postgresVersion"),
    (_variant(postgresVersion="sixteen"), "spec.postgresVersion"),
    (_variant(instances=[]), "spec.instances"),
], ids=["version-below-minimum", "version-not-integer", "no-instances"])
def test_invalid_postgres_cluster_is_rejected_by_the_schema(pgo_crds, document, message):
    result = pgo_crds.apply(document, "--server-side", "--field-manager=pytest", "--dry-run=server", check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_unknown_field_is_rejected_with_strict_validation(pgo_crds):
    document = _variant(postgresVersoin=16)
    result = pgo_crds.apply(document, "--validate=strict", "--dry-run=server", check=False)
    assert result.returncode != 0
    assert "postgresVersoin" in result.stderr
