"""postgres_k8s: the Warning events and instance StatefulSets quoted when a wait fails.

The client is a test double at the API boundary: it answers the list calls the module makes with Events and
StatefulSets shaped as kube-apiserver returns them (Events as PGO's postgrescluster-controller records them), or
with 403 Forbidden.
"""
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import api_exception

from ansible_collections.baremetal.platform.plugins.module_utils.postgres import api as postgres_k8s


class Listed:
    def __init__(self, items):
        self.items = items

    def to_dict(self):
        return {"items": self.items}


class Api:
    def __init__(self, items, calls):
        self.items = items
        self.calls = calls

    def get(self, **query):
        self.calls.append(query)
        if self.items is None:
            raise api_exception(ApiException(status=403, reason="Forbidden"))
        return Listed(self.items)


class Client:
    def __init__(self, items):
        self.items = items
        self.calls = []

    def resource(self, kind, api_version):
        self.calls.append((api_version, kind))
        return Api(self.items, self.calls)


def event(reason, message, last, count=1):
    return {"reason": reason, "message": message, "type": "Warning", "count": count, "lastTimestamp": last,
            "involvedObject": {"kind": "PostgresCluster", "name": "marketplace"}}


def test_events_newest_last_with_counts_and_the_field_selector():
    client = Client([event("MissingRequiredImage", "missing image(s): [crunchy-postgres]", "2026-12-02T06:00:05Z", 7),
                     event("FailedCreate", "quota exceeded", "2026-12-02T06:00:01Z")])
    message = postgres_k8s.explain_with_events(client, "shop", "marketplace")
    assert message == (" Recent Warning events of PostgresCluster shop/marketplace: FailedCreate: quota exceeded; "
                       "MissingRequiredImage: missing image(s): [crunchy-postgres] (7 times).")
    assert client.calls[0] == ("v1", "Event")
    assert client.calls[1] == {"namespace": "shop", "field_selector":
                               "involvedObject.kind=PostgresCluster,involvedObject.name=marketplace,type=Warning"}


def test_no_events_and_unreadable_events_are_told_apart():
    assert "has no Warning events" in postgres_k8s.explain_with_events(Client([]), "shop", "marketplace")
    assert postgres_k8s.explain_with_events(Client(None), "shop", "marketplace") == (
        " (The Events of PostgresCluster shop/marketplace could not be read.)")


def test_instance_statefulsets_by_label_and_readiness():
    sets = [{"metadata": {"name": "marketplace-instance1-b2c3"}, "spec": {"replicas": 1}, "status": {"readyReplicas": 1}},
            {"metadata": {"name": "marketplace-instance1-a1b2"}, "spec": {"replicas": 1}, "status": {}}]
    client = Client(sets)
    assert postgres_k8s.explain_instances(client, "shop", "marketplace", "instance1") == (
        " StatefulSets of instance set instance1: marketplace-instance1-a1b2 (0 of 1 ready), "
        "marketplace-instance1-b2c3 (1 of 1 ready).")
    assert client.calls[1]["label_selector"] == (
        "postgres-operator.crunchydata.com/cluster=marketplace,postgres-operator.crunchydata.com/instance-set=instance1")
    assert "created no StatefulSet" in postgres_k8s.explain_instances(Client([]), "shop", "marketplace", "instance1")
    assert postgres_k8s.explain_instances(Client(None), "shop", "marketplace", "instance1") == ""
