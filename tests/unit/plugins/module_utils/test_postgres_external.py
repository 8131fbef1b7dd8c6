"""postgres_credentials: the externally reachable addresses from Services shaped as PGO v6 writes them."""
from ansible_collections.baremetal.platform.plugins.module_utils.postgres import credentials as postgres_credentials


def service(name, kind="LoadBalancer", port_name="postgres", ingress=None):
    """A Service as the operator writes it (ports named postgres/pgbouncer), with the load balancer's status."""
    return {"metadata": {"name": name}, "spec": {"type": kind, "ports": [
        {"name": port_name, "port": 5432, "protocol": "TCP", "targetPort": port_name, "nodePort": 31000}]},
        "status": {"loadBalancer": {"ingress": ingress or []}}}


FACTS = {"uri": "postgresql://shop@marketplace-primary.ns.svc:5432/shop",
         "pgbouncer_uri": "postgresql://shop@marketplace-pgbouncer.ns.svc:5432/shop"}


def test_load_balancer_addresses_ip_and_hostname():
    ingress = [{"ip": "203.0.113.10"}, {"hostname": "db.example"}]
    endpoint = postgres_credentials.service_endpoint(service("marketplace-ha", ingress=ingress), "postgres")
    assert endpoint == {"service": "marketplace-ha", "type": "LoadBalancer", "addresses": ["203.0.113.10", "db.example"],
                        "port": 5432, "node_port": 31000}
    assert postgres_credentials.service_endpoint(None, "postgres") is None


def test_external_facts_rewrite_the_uris_and_stay_empty_until_assigned():
    endpoints = {"primary": postgres_credentials.service_endpoint(service("marketplace-ha", ingress=[{"ip": "203.0.113.10"}]),
                                                                  "postgres"),
                 "replicas": postgres_credentials.service_endpoint(service("marketplace-replicas"), "postgres"),
                 "pgbouncer": postgres_credentials.service_endpoint(
                     service("marketplace-pgbouncer", port_name="pgbouncer", ingress=[{"hostname": "pool.example"}]),
                     "pgbouncer")}
    facts = postgres_credentials.external_facts(endpoints, FACTS)
    assert facts["external_host"] == "203.0.113.10"
    assert facts["external_uri"] == "postgresql://shop@203.0.113.10:5432/shop"
    assert facts["external_pgbouncer_uri"] == "postgresql://shop@pool.example:5432/shop"
    assert facts["external_replicas_host"] is None, "no address assigned yet"
    assert postgres_credentials.external_facts({"primary": None, "replicas": None, "pgbouncer": None}, FACTS) == {
        "external_host": None, "external_port": None, "external_uri": None, "external_pgbouncer_host": None,
        "external_pgbouncer_port": None, "external_pgbouncer_uri": None, "external_replicas_host": None}


def test_with_host_keeps_the_password_and_brackets_ipv6():
    uri = "postgresql://shop:p%40ss@marketplace-primary.ns.svc:5432/shop?sslmode=require"
    assert postgres_credentials.with_host(uri, "2001:db8::1", 5432) == "postgresql://shop:p%40ss@[2001:db8::1]:5432/shop?sslmode=require"
