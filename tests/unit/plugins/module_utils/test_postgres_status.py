"""postgres_status and postgres_credentials: what the operator reports, and the user Secret."""
import base64

from ansible_collections.baremetal.platform.plugins.module_utils.postgres import credentials as postgres_credentials
from ansible_collections.baremetal.platform.plugins.module_utils.postgres import status as postgres_status


def cluster(generation=2, observed=2, ready=3, updated=3, bouncer=1):
    return {"metadata": {"generation": generation},
            "status": {"observedGeneration": observed,
                       "instances": [{"name": "instance1", "replicas": 3, "readyReplicas": ready, "updatedReplicas": updated}],
                       "proxy": {"pgBouncer": {"readyReplicas": bouncer}}}}


def test_ready_when_every_pod_is_ready():
    assert postgres_status.readiness(cluster(), "instance1", 3, 1) == (True, "every instance and pgBouncer pod is ready")


def test_not_ready_reasons():
    assert "generation 2" in postgres_status.readiness(cluster(observed=1), "instance1", 3, 1)[1]
    assert "2 of 3 pods ready" in postgres_status.readiness(cluster(ready=2), "instance1", 3, 1)[1]
    assert "pgBouncer has 0 of 2" in postgres_status.readiness(cluster(bouncer=0), "instance1", 3, 2)[1]
    assert postgres_status.readiness({}, "instance1", 3, 0)[0] is False


def test_backups_and_repositories_from_status():
    found = {"status": {"pgbackrest": {
        "manualBackup": {"id": "b1", "finished": True, "succeeded": 1},
        "scheduledBackups": [{"cronJobName": "c-repo1-full", "repo": "repo1", "type": "full", "failed": 1}],
        "repos": [{"name": "repo1", "stanzaCreated": True, "bound": True}]}}}
    listed = postgres_status.backups(found)
    assert [(b["kind"], b["name"], b["finished"]) for b in listed] == [("manual", "b1", True), ("scheduled", "c-repo1-full", False)]
    assert listed[1]["failed"] == 1
    assert postgres_status.repositories(found) == [
        {"name": "repo1", "stanza_created": True, "bound": True, "replica_create_backup_complete": False}]
    assert postgres_status.backups({}) == []


def secret_data(**values):
    return dict((key, base64.b64encode(value.encode()).decode()) for key, value in values.items())


def test_credentials_hide_the_password_unless_asked():
    data = postgres_credentials.decode(secret_data(**{
        "user": "shop", "password": "s3cr:et@x", "dbname": "shop", "host": "m-primary.ns.svc", "port": "5432",
        "uri": "postgresql://shop:s3cr:et@x@m-primary.ns.svc:5432/shop",
        "pgbouncer-host": "m-pgbouncer.ns.svc", "pgbouncer-port": "5432",
        "pgbouncer-uri": "postgresql://shop:s3cr%3Aet%40x@m-pgbouncer.ns.svc:5432/shop"}))
    safe = postgres_credentials.credentials(data, include_password=False)
    assert "password" not in safe
    assert "s3cr" not in repr(safe)
    assert safe["uri"] == "postgresql://shop@m-primary.ns.svc:5432/shop"
    assert safe["pgbouncer_uri"] == "postgresql://shop@m-pgbouncer.ns.svc:5432/shop"
    assert safe["port"] == 5432
    full = postgres_credentials.credentials(data, include_password=True)
    assert full["password"] == "s3cr:et@x"
    assert full["uri"].startswith("postgresql://shop:s3cr:et@x@")


def test_credentials_without_pgbouncer():
    safe = postgres_credentials.credentials({"user": "u", "port": "5432"}, include_password=False)
    assert safe["pgbouncer_host"] is None and safe["pgbouncer_uri"] is None
    assert postgres_credentials.secret_name("m", "shop") == "m-pguser-shop"


def test_strip_password_without_knowing_it():
    assert postgres_credentials.strip_password("postgresql://u:a@b@h:5432/d", None) == "postgresql://u@h:5432/d"
    assert postgres_credentials.strip_password(None, "x") is None
