"""postgres_operator: the Postgres majors each Crunchy PGO release can run, read from its upstream manifests."""
import os

import pytest
import yaml

from ansible_collections.baremetal.platform.plugins.module_utils.postgres import operator_versions as postgres_operator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# The upstream data pack: ../shared/upstream next to the checkout, or where BAREMETAL_UPSTREAM_DATA points.
UPSTREAM = os.path.join(os.path.abspath(os.environ.get("BAREMETAL_UPSTREAM_DATA") or os.path.join(REPO, "..", "shared", "upstream")),
                        "postgres-operator")


def manager_deployment(version):
    path = os.path.join(UPSTREAM, "v" + version, "config", "manager", "manager.yaml")
    assert os.path.exists(path), "the upstream data pack is missing %s" % path
    with open(path, encoding="utf-8") as handle:
        return next(item for item in yaml.safe_load_all(handle) if item and item.get("kind") == "Deployment")


@pytest.mark.parametrize("version", sorted(postgres_operator.SUPPORTED))
def test_table_is_what_the_release_manifests_ship(version):
    assert postgres_operator.majors_from_deployment(manager_deployment(version)) == postgres_operator.SUPPORTED[version]


def test_every_release_in_the_data_pack_is_in_the_table():
    assert os.path.isdir(UPSTREAM), "the upstream data pack is missing %s (set BAREMETAL_UPSTREAM_DATA)" % UPSTREAM
    releases = sorted(name[1:] for name in os.listdir(UPSTREAM) if name.startswith("v"))
    assert releases == sorted(postgres_operator.SUPPORTED)


def test_gis_variants_and_empty_values_do_not_count():
    deployment = {"spec": {"template": {"spec": {"containers": [{"name": "operator", "env": [
        {"name": "RELATED_IMAGE_POSTGRES_16_GIS_3.4", "value": "gis"}, {"name": "RELATED_IMAGE_POSTGRES_17", "value": ""},
        {"name": "RELATED_IMAGE_POSTGRES_18", "value": "img"}, {"name": "RELATED_IMAGE_PGBOUNCER", "value": "b"}]}]}}}}
    assert postgres_operator.majors_from_deployment(deployment) == (18,)
    assert not postgres_operator.is_operator({"spec": {}})


def test_version_error_names_the_supported_range():
    message = postgres_operator.version_error(14, (15, 16, 17, 18), "Crunchy PGO 6.0.3")
    assert message.startswith("postgres_version 14 cannot run on Crunchy PGO 6.0.3")
    assert "Postgres images for 15 to 18 only" in message
    assert "MissingRequiredImage" in message
    assert postgres_operator.version_error(17, (15, 16, 17, 18), "x") is None
    assert postgres_operator.describe_majors([13, 15]) == "13, 15"
    assert postgres_operator.normalize_version("v6.0.3") == "6.0.3"
