"""Test doubles at the API boundary: the objects Crunchy PGO v6 writes, written here because it cannot run in the lab.

The real postgres-operator cannot be built here (the Go module proxy refuses its source), so tests that need what
it writes write it themselves, in its format, through the real kube-apiserver:

* the operator Deployment as its kustomize install renders it (config/manager/manager.yaml of the release in the
  upstream data pack, with config/default's namespace and labels and the images of components/images-by-tag);
* the Services it creates for a cluster: <cluster>-ha (the primary, of spec.service.type), <cluster>-primary
  (always headless), <cluster>-replicas (spec.replicaService.type), <cluster>-pods and <cluster>-ha-config
  (headless), <cluster>-pgbouncer (spec.proxy.pgBouncer.service.type), and a load balancer's status on them
  (LoadBalancer Services get a loadBalancerClass no controller serves, so that only the test writes that status);
* one StatefulSet per Postgres instance, named and labelled as PGO does;
* the user Secret <cluster>-pguser-<user> with its 12 keys;
* a Warning event about the PostgresCluster, such as MissingRequiredImage.
"""
import base64
import datetime
import json
import os
import uuid

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
# The upstream data pack: ../shared/upstream next to the checkout, or where BAREMETAL_UPSTREAM_DATA points.
UPSTREAM = os.path.join(os.path.abspath(os.environ.get("BAREMETAL_UPSTREAM_DATA") or os.path.join(REPO, "..", "shared", "upstream")),
                        "postgres-operator")
LABEL_CLUSTER = "postgres-operator.crunchydata.com/cluster"
LABEL_ROLE = "postgres-operator.crunchydata.com/role"
CONTROL_PLANE = {"postgres-operator.crunchydata.com/control-plane": "postgres-operator"}
LOAD_BALANCER_CLASS = "baremetal.platform/lab-test-double"


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return [item for item in yaml.safe_load_all(handle) if item]


def operator_deployment(namespace, version="6.0.3"):
    """The PGO Deployment of `kubectl apply -k config/default` for this release, in namespace."""
    root = os.path.join(UPSTREAM, "v" + version, "config")
    assert os.path.isdir(root), "the upstream data pack has no %s (set BAREMETAL_UPSTREAM_DATA)" % root
    deployment = next(item for item in _load(os.path.join(root, "manager", "manager.yaml")) if item["kind"] == "Deployment")
    images = {}
    for entry in _load(os.path.join(root, "components", "images-by-tag", "kustomization.yaml"))[0]["images"]:
        images[entry["name"]] = "%s:%s" % (entry["newName"], entry["newTag"])
    deployment["metadata"].update(namespace=namespace, labels=dict(CONTROL_PLANE, **{
        "app.kubernetes.io/name": "pgo", "app.kubernetes.io/version": version}))
    spec = deployment["spec"]
    spec["selector"] = {"matchLabels": dict(CONTROL_PLANE)}
    spec["template"].setdefault("metadata", {})["labels"] = dict(CONTROL_PLANE, **{
        "app.kubernetes.io/name": "pgo", "app.kubernetes.io/version": version})
    operator = spec["template"]["spec"]["containers"][0]
    operator["image"] = images.get("image-postgres-operator-6.0" if version.startswith("6") else "image-postgres-operator-5.8",
                                   operator["image"])
    for variable in operator["env"]:
        if variable.get("value") in images:
            variable["value"] = images[variable["value"]]
    operator["env"].append({"name": "PGO_FEATURE_GATES", "value": ""})
    spec["template"]["spec"].pop("serviceAccountName", None)  # the lab has no pgo ServiceAccount; nothing reads it
    return deployment


def _owner(cluster):
    return [{"apiVersion": cluster["apiVersion"], "kind": cluster["kind"], "name": cluster["metadata"]["name"],
             "uid": cluster["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]


def _service(cluster, name, service_type, port_name, selector=None, headless=False):
    namespace = cluster["metadata"]["namespace"]
    spec = {"type": service_type, "ports": [{"name": port_name, "port": 5432, "protocol": "TCP", "targetPort": port_name}]}
    if headless:
        spec = {"type": "ClusterIP", "clusterIP": "None", "ports": spec["ports"]}
    if service_type == "LoadBalancer":
        # The one deviation from PGO's Services: a class no controller serves, so that a MetalLB controller other
        # tests of the session run does not replace the load balancer status these tests write.
        spec["loadBalancerClass"] = LOAD_BALANCER_CLASS
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "ownerReferences": _owner(cluster),
                         "labels": {LABEL_CLUSTER: cluster["metadata"]["name"]}},
            "spec": spec}


def cluster_services(cluster):
    """The Services PGO v6 creates for this PostgresCluster (as read back from the API), by name."""
    name = cluster["metadata"]["name"]
    spec = cluster["spec"]
    services = [
        _service(cluster, name + "-ha", spec.get("service", {}).get("type", "ClusterIP"), "postgres"),
        _service(cluster, name + "-primary", "ClusterIP", "postgres", headless=True),
        _service(cluster, name + "-replicas", spec.get("replicaService", {}).get("type", "ClusterIP"), "postgres",
                 selector={LABEL_CLUSTER: name, LABEL_ROLE: "replica"}),
        _service(cluster, name + "-pods", "ClusterIP", "postgres", selector={LABEL_CLUSTER: name}, headless=True),
        _service(cluster, name + "-ha-config", "ClusterIP", "postgres", headless=True),
    ]
    bouncer = (spec.get("proxy") or {}).get("pgBouncer")
    if bouncer is not None:
        services.append(_service(cluster, name + "-pgbouncer", bouncer.get("service", {}).get("type", "ClusterIP"),
                                 "pgbouncer", selector={LABEL_CLUSTER: name, LABEL_ROLE: "pgbouncer"}))
    return dict((service["metadata"]["name"], service) for service in services)


def write_services(lab, cluster):
    """Create the operator's Services; returns them by name."""
    services = cluster_services(cluster)
    for service in services.values():
        lab.apply(service)
    return services


def assign_load_balancer(lab, namespace, service, ingress):
    """Write a load balancer's status.loadBalancer.ingress on a Service (what MetalLB or a cloud controller does)."""
    patch = json.dumps({"status": {"loadBalancer": {"ingress": ingress}}})
    lab.kubectl("patch", "service", "-n", namespace, service, "--subresource=status", "--type=merge", "-p", patch)


def user_secret(lab, cluster, user, database, password):
    """The Secret <cluster>-pguser-<user> with the 12 keys PGO writes when pgBouncer is on."""
    name = cluster["metadata"]["name"]
    namespace = cluster["metadata"]["namespace"]
    host = "%s-primary.%s.svc" % (name, namespace)
    bouncer = "%s-pgbouncer.%s.svc" % (name, namespace)
    data = {
        "dbname": database, "host": host, "port": "5432", "user": user, "password": password,
        "uri": "postgresql://%s:%s@%s:5432/%s" % (user, password, host, database),
        "jdbc-uri": "jdbc:postgresql://%s:5432/%s?password=%s&user=%s" % (host, database, password, user),
        "verifier": "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy",
        "pgbouncer-host": bouncer, "pgbouncer-port": "5432",
        "pgbouncer-uri": "postgresql://%s:%s@%s:5432/%s" % (user, password, bouncer, database),
        "pgbouncer-jdbc-uri": "jdbc:postgresql://%s:5432/%s?password=%s&prepareThreshold=0&user=%s"
                              % (bouncer, database, password, user),
    }
    assert len(data) == 12
    labels = {LABEL_CLUSTER: name, "postgres-operator.crunchydata.com/pguser": user}
    lab.apply({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
               "metadata": {"name": "%s-pguser-%s" % (name, user), "namespace": namespace, "labels": labels,
                            "ownerReferences": _owner(cluster)},
               "data": dict((key, base64.b64encode(value.encode()).decode()) for key, value in data.items())})
    return data


def warning_event(lab, cluster, reason, message):
    """A Warning event about the PostgresCluster from the operator's postgrescluster-controller."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata = cluster["metadata"]
    lab.apply({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "%s.%s" % (metadata["name"], uuid.uuid4().hex[:16]), "namespace": metadata["namespace"]},
        "involvedObject": {"apiVersion": cluster["apiVersion"], "kind": cluster["kind"], "name": metadata["name"],
                           "namespace": metadata["namespace"], "uid": metadata["uid"],
                           "resourceVersion": metadata["resourceVersion"]},
        "reason": reason, "message": message, "type": "Warning", "count": 1,
        "source": {"component": "postgrescluster-controller"},
        "firstTimestamp": now, "lastTimestamp": now,
    })


def instance_statefulsets(lab, cluster, image):
    """One StatefulSet per Postgres instance of spec.instances[0], named and labelled as PGO does.

    PGO names them <cluster>-<set>-<4 random characters>, one replica each, labelled with the cluster, the instance
    set and the instance, and governed by the <cluster>-pods Service. Returns their names.
    """
    metadata = cluster["metadata"]
    instance_set = cluster["spec"]["instances"][0]
    names = []
    for _index in range(instance_set["replicas"]):
        name = "%s-%s-%s" % (metadata["name"], instance_set["name"], uuid.uuid4().hex[:4])
        labels = {LABEL_CLUSTER: metadata["name"], "postgres-operator.crunchydata.com/instance-set": instance_set["name"],
                  "postgres-operator.crunchydata.com/instance": name}
        lab.apply({"apiVersion": "apps/v1", "kind": "StatefulSet",
                   "metadata": {"name": name, "namespace": metadata["namespace"], "labels": labels,
                                "ownerReferences": _owner(cluster)},
                   "spec": {"replicas": 1, "serviceName": metadata["name"] + "-pods", "selector": {"matchLabels": labels},
                            "template": {"metadata": {"labels": labels},
                                         "spec": {"containers": [{"name": "database", "image": image}]}}}})
        names.append(name)
    return sorted(names)
