"""cert_manager role on the lab control plane: real cert-manager CRDs, no ACME server and no DNS."""
import base64

import pytest

from .conftest import TEST_TOKEN

pytestmark = pytest.mark.k8s

DOMAIN = 'example.com'


@pytest.fixture(scope='module')
def cert_manager_crds(addons):
    addons.lab.load_crds('cert-manager')
    return addons


def test_certificate_wait_times_out_with_what_to_check(cert_manager_crds):
    addons = cert_manager_crds
    run = addons.run(['cert_manager'], {'cert_manager_certificate_timeout': 5, 'cert_manager_acme_environment': 'staging'})

    assert run.returncode != 0
    text = ' '.join(run.output.split())
    assert 'Certificate istio-ingress/wildcard (%s, *.%s) is not Ready after 5 seconds' % (DOMAIN, DOMAIN) in text, run.output
    assert 'kubectl -n istio-ingress describe certificate wildcard' in text
    assert 'set cert_manager_wait_for_certificate: false' in text
    assert 'staging issuer' in text


def test_cert_manager_converges_and_the_crds_accept_its_objects(cert_manager_crds):
    addons = cert_manager_crds
    addons.converge(['cert_manager'], {'cert_manager_wait_for_certificate': False})

    lab = addons.lab
    for env, server in (('production', 'https://acme-v02.api.letsencrypt.org/directory'),
                        ('staging', 'https://acme-staging-v02.api.letsencrypt.org/directory')):
        issuer = lab.kubectl_json('get', 'clusterissuer', 'letsencrypt-' + env)
        assert issuer['spec']['acme']['server'] == server
        solver = issuer['spec']['acme']['solvers'][0]
        assert solver['selector']['dnsZones'] == [DOMAIN]
        assert solver['dns01']['cloudflare']['apiTokenSecretRef'] == {'name': 'cloudflare-api-token', 'key': 'api-token'}
    certificate = lab.kubectl_json('get', 'certificate', '-n', 'istio-ingress', 'wildcard')
    assert certificate['spec']['dnsNames'] == [DOMAIN, '*.' + DOMAIN]
    assert certificate['spec']['secretName'] == 'wildcard-tls'
    assert certificate['spec']['issuerRef']['name'] == 'letsencrypt-production'
    secret = lab.kubectl_json('get', 'secret', '-n', 'cert-manager', 'cloudflare-api-token')
    assert base64.b64decode(secret['data']['api-token']).decode() == TEST_TOKEN
    values = lab.helm('get', 'values', '-n', 'cert-manager', 'cert-manager', '-o', 'json').stdout
    assert '"crds":{"enabled":true,"keep":true}' in values.replace(' ', '')


def test_missing_cloudflare_token_fails_before_any_write(cert_manager_crds):
    addons = cert_manager_crds
    run = addons.run(['cert_manager'], {'cert_manager_cloudflare_api_token': '', 'cert_manager_namespace': 'cert-manager-notoken'})

    assert run.returncode != 0
    assert 'cert_manager_cloudflare_api_token=(0 characters): empty' in run.output, run.output
    assert not addons.namespace_exists('cert-manager-notoken')
