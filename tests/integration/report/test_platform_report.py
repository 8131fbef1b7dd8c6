"""The platform report on the lab control plane: what it reads from the API, printed and written, no secrets, idempotent."""
import json
import os

import yaml

from tests import helpers

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
SECRETS = ('report-bootstrap-password-0123', 'report-registry-password-4567')


def run(lab, directory, extra):
    playbook = os.path.join(directory, 'report.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([{'ansible.builtin.import_playbook': os.path.join(REPO_ROOT, 'playbooks', 'report.yml')}], handle)
    variables = {'platform_kubeconfig': lab.kubeconfig, 'platform_domain': 'lab.example.test', 'platform_engine': 'external',
                 'platform_report_file': os.path.join(directory, 'out', 'platform-report.txt'),
                 # Secrets the inventory holds: the report must not show them.
                 'rancher_bootstrap_password': SECRETS[0], 'registry_users': [{'name': 'jenkins', 'password': SECRETS[1]}]}
    variables.update(extra)
    completed = helpers.run_playbook(playbook, extra_vars=variables, env=lab.env)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    for secret in SECRETS:
        assert secret not in output
    return output


def test_report_names_everything_and_changes_nothing_the_second_time(lab_k8s, tmp_path):
    lab_k8s.kubectl('create', 'namespace', 'report-ingress', check=False)
    lab_k8s.kubectl('create', 'namespace', 'reportdb', check=False)
    try:
        lab_k8s.apply({'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'istio-ingressgateway', 'namespace': 'report-ingress'},
                       # A class of its own: a MetalLB controller another test left in the shared control plane
                       # would otherwise give the Service an address of its pool.
                       'spec': {'type': 'LoadBalancer', 'loadBalancerClass': 'example.test/report', 'selector': {'istio': 'ingressgateway'},
                                'ports': [{'name': 'https', 'port': 443}]}})
        lab_k8s.kubectl('patch', 'service', '-n', 'report-ingress', 'istio-ingressgateway', '--subresource=status', '--type=merge',
                        '-p', json.dumps({'status': {'loadBalancer': {'ingress': [{'ip': '192.0.2.44'}]}}}))
        lab_k8s.apply({'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'shop-ha', 'namespace': 'reportdb'},
                       'spec': {'type': 'ClusterIP', 'ports': [{'name': 'postgres', 'port': 5432}]}})
        lab_k8s.apply({'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'shop-pgbouncer', 'namespace': 'reportdb'},
                       'spec': {'type': 'ClusterIP', 'ports': [{'name': 'pgbouncer', 'port': 5432}]}})
        clusters = {'platform_postgres_clusters': [{'name': 'shop', 'namespace': 'reportdb'}],
                    'platform_report_gateway_service': 'report-ingress/istio-ingressgateway'}
        first = run(lab_k8s, str(tmp_path), clusters)
        report = (tmp_path / 'out' / 'platform-report.txt').read_text(encoding='utf-8')
        for line in ('Rancher: https://rancher.lab.example.test', 'Registry: https://registry.lab.example.test',
                     'Jenkins: https://jenkins.lab.example.test', 'Gateway LoadBalancer IP: 192.0.2.44',
                     '  - shop-ha.reportdb.svc:5432 (ClusterIP)', '  - shop-replicas: not found',
                     '  - shop-pgbouncer.reportdb.svc:5432 (ClusterIP)', 'Kubeconfig: ' + lab_k8s.kubeconfig,
                     'State backups: none (the cluster is adopted: platform_engine external)'):
            assert line in report.splitlines(), line + ' missing from:\n' + report
            assert line.strip() in first, line + ' was not printed'
        for secret in SECRETS:
            assert secret not in report
        second = run(lab_k8s, str(tmp_path), clusters)
        assert 'changed=0' in second, second
    finally:
        lab_k8s.kubectl('delete', 'namespace', 'reportdb', '--wait=false', check=False)
        lab_k8s.kubectl('delete', 'namespace', 'report-ingress', '--wait=false', check=False)
        lab_k8s.kubectl('delete', 'service', '-n', 'report-ingress', 'istio-ingressgateway', check=False)
