"""The cicd phase's registry role converges on the lab control plane (fixture chart, real Istio CRDs); a second run changes nothing."""
import base64
import os
import re

import bcrypt

from tests import helpers
from tests.integration.registry.test_registry_real import wildcard_certificate

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
CHART = os.path.join(REPO_ROOT, 'tests', 'fixtures', 'charts', 'docker-registry')
PASSWORD = 'converge-push-password-01'
SECRET = 'converge-shared-secret-' + 'y' * 20
RECAP = re.compile(r'^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)


def run_cicd(lab):
    variables = {
        'platform_kubeconfig': lab.kubeconfig, 'platform_helm_binary': lab.helm_path, 'platform_domain': 'lab.example.test',
        'registry_chart_ref': CHART, 'registry_users': [{'name': 'jenkins', 'password': PASSWORD}],
        'registry_ha_shared_secret': SECRET, 'registry_htpasswd_cost': 10, 'registry_wait_timeout': 180,
        # kwok's nodes have no storage provisioner: a claim would never bind, and helm --wait waits for it.
        'registry_persistence_enabled': False,
        # Jenkins converges in tests/integration/jenkins.
        'platform_cicd_jenkins': False,
    }
    completed = helpers.run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'cicd.yml'), extra_vars=variables, env=lab.env, timeout=900)
    output = completed.stdout + completed.stderr
    assert PASSWORD not in output and SECRET not in output, 'a secret was printed:\n' + output
    assert completed.returncode == 0, output
    return int(RECAP.search(completed.stdout).group(2)), output


def test_registry_converges_and_the_second_run_changes_nothing(lab_k8s, tmp_path):
    lab_k8s.load_crds('istio')
    lab_k8s.kubectl('create', 'namespace', 'istio-ingress', check=False)
    crt, key = wildcard_certificate(str(tmp_path))
    lab_k8s.apply({'apiVersion': 'v1', 'kind': 'Secret', 'type': 'kubernetes.io/tls',
                   'metadata': {'name': 'wildcard-tls', 'namespace': 'istio-ingress'},
                   'data': {'tls.crt': base64.b64encode(crt.encode()).decode(), 'tls.key': base64.b64encode(key.encode()).decode()}})
    try:
        first, output = run_cicd(lab_k8s)
        assert first > 0, output
        second, output = run_cicd(lab_k8s)
        assert second == 0, 'second run is not idempotent:\n' + output

        secret = lab_k8s.secret_data('docker-registry', 'docker-registry-secret')
        assert secret['haSharedSecret'] == SECRET
        name, hashed = secret['htpasswd'].strip().split(':', 1)
        assert name == 'jenkins' and bcrypt.checkpw(PASSWORD.encode(), hashed.encode())
        assert lab_k8s.secret_data('docker-registry', 'registry-tls') == {'tls.crt': crt, 'tls.key': key}
        deployment = lab_k8s.kubectl_json('get', 'deployment', '-n', 'docker-registry', 'docker-registry')
        annotations = deployment['spec']['template']['metadata']['annotations']
        assert annotations['fixture/tls-secret'] == 'registry-tls'
        assert annotations['fixture/gc-schedule'] == helpers.role_defaults('registry')['registry_garbage_collect_schedule']
        assert deployment['metadata']['generation'] == 1, 'the second run rolled the pod'
        config = lab_k8s.kubectl_json('get', 'configmap', '-n', 'docker-registry', 'docker-registry-config')
        assert 'delete:\n    enabled: true' in config['data']['config.yml']

        route = lab_k8s.kubectl_json('get', 'virtualservice.networking.istio.io', '-n', 'docker-registry', 'docker-registry')
        assert route['spec']['hosts'] == ['registry.lab.example.test']
        assert route['spec']['gateways'] == ['istio-ingress/default-gateway']
        assert 'timeout' not in route['spec']['http'][0] and route['spec']['http'][0]['retries'] == {'attempts': 0}
        assert route['spec']['http'][0]['route'][0]['destination'] == {
            'host': 'docker-registry.docker-registry.svc.cluster.local', 'port': {'number': 5000}}
        rule = lab_k8s.kubectl_json('get', 'destinationrule.networking.istio.io', '-n', 'docker-registry', 'docker-registry')
        assert rule['spec']['trafficPolicy']['tls'] == {'mode': 'SIMPLE', 'sni': 'registry.lab.example.test'}
    finally:
        lab_k8s.helm('uninstall', 'docker-registry', '-n', 'docker-registry', check=False)
        lab_k8s.kubectl('delete', 'namespace', 'docker-registry', '--wait=false', check=False)
        lab_k8s.kubectl('delete', 'secret', '-n', 'istio-ingress', 'wildcard-tls', check=False)
