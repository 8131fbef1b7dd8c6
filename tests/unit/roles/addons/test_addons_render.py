"""Templates of the add-on roles render to objects the upstream CRD schemas accept."""
import os

import jsonschema
import pytest
import yaml

from addons_helpers import HERE, crd_schema, run_playbook

DOMAIN = 'imperialplugins.com'


def render(tmp_path, role, template, extra_vars=None, items=None):
    """Render roles/<role>/templates/<template>; returns {item key: [documents]}."""
    variables = {'render_role': role, 'render_template': template, 'render_dest': str(tmp_path),
                 'platform_domain': DOMAIN, 'platform_acme_email': 'ops@' + DOMAIN}
    if items is not None:
        variables['render_items'] = items
    variables.update(extra_vars or {})
    result = run_playbook(os.path.join(HERE, 'render.yml'), variables)
    assert result.returncode == 0, result.stdout + result.stderr
    rendered = {}
    for name in os.listdir(tmp_path):
        with open(os.path.join(tmp_path, name), encoding='utf-8') as handle:
            text = handle.read()
        assert text.startswith('#'), 'template must begin with the ansible_managed comment: ' + text[:80]
        rendered[name[:-len('.yaml')]] = [doc for doc in yaml.safe_load_all(text) if doc]
    return rendered


def validate(document, kind, group):
    jsonschema.validate({key: value for key, value in document.items() if key not in ('apiVersion', 'kind', 'metadata')}, crd_schema(kind, group))


def test_cluster_issuers_match_the_cert_manager_crd(tmp_path):
    servers = {'production': 'https://acme-v02.api.letsencrypt.org/directory',
               'staging': 'https://acme-staging-v02.api.letsencrypt.org/directory'}
    rendered = render(tmp_path, 'cert_manager', 'cluster-issuer.yaml.j2', items=servers)
    assert sorted(rendered) == ['production', 'staging']
    for env, (issuer,) in rendered.items():
        validate(issuer, 'ClusterIssuer', 'cert-manager.io')
        assert issuer['metadata']['name'] == 'letsencrypt-' + env
        assert issuer['spec']['acme']['server'] == servers[env]
        solver = issuer['spec']['acme']['solvers'][0]
        assert solver['selector']['dnsZones'] == [DOMAIN]
        assert solver['dns01']['cloudflare']['apiTokenSecretRef'] == {'name': 'cloudflare-api-token', 'key': 'api-token'}


def test_wildcard_certificate_matches_the_crd_and_covers_the_domain(tmp_path):
    (certificate,) = render(tmp_path, 'cert_manager', 'certificate.yaml.j2',
                            {'cert_manager_acme_environment': 'staging'})['rendered']
    validate(certificate, 'Certificate', 'cert-manager.io')
    assert certificate['metadata']['namespace'] == 'istio-ingress'
    assert certificate['spec']['dnsNames'] == [DOMAIN, '*.' + DOMAIN]
    assert certificate['spec']['issuerRef'] == {'group': 'cert-manager.io', 'kind': 'ClusterIssuer', 'name': 'letsencrypt-staging'}


def test_istio_gateway_matches_the_crd_and_uses_the_credential(tmp_path):
    (gateway,) = render(tmp_path, 'istio', 'gateway.yaml.j2')['rendered']
    validate(gateway, 'Gateway', 'networking.istio.io')
    assert gateway['apiVersion'] == 'networking.istio.io/v1'
    assert gateway['spec']['selector'] == {'istio': 'ingressgateway'}
    https = [server for server in gateway['spec']['servers'] if server['port']['number'] == 443][0]
    assert https['tls'] == {'mode': 'SIMPLE', 'credentialName': 'wildcard-tls'}
    assert https['hosts'] == [DOMAIN, '*.' + DOMAIN]
    assert 'sds' not in yaml.safe_dump(gateway)


@pytest.mark.parametrize('default_class', [False, True])
def test_local_path_manifest_carries_the_node_path_map(tmp_path, default_class):
    path_map = [{'node': 'DEFAULT_PATH_FOR_NON_LISTED_NODES', 'paths': ['/opt/local-path-provisioner']},
                {'node': 'node3', 'paths': ['/data/a', '/data/b']}]
    documents = render(tmp_path, 'local_path_provisioner', 'local-path-storage.yaml.j2',
                       {'local_path_provisioner_node_path_map': path_map,
                        'local_path_provisioner_default_class': default_class})['rendered']
    by_kind = {doc['kind']: doc for doc in documents}
    assert by_kind['Namespace']['metadata']['name'] == 'local-path-storage'
    storage_class = by_kind['StorageClass']
    assert storage_class['metadata']['name'] == 'local-path'
    assert storage_class['provisioner'] == 'rancher.io/local-path'
    assert storage_class['volumeBindingMode'] == 'WaitForFirstConsumer'
    assert storage_class['metadata']['annotations']['storageclass.kubernetes.io/is-default-class'] == str(default_class).lower()
    config = yaml.safe_load(by_kind['ConfigMap']['data']['config.json'])
    assert config == {'nodePathMap': path_map}
    image = by_kind['Deployment']['spec']['template']['spec']['containers'][0]['image']
    assert image == 'docker.io/rancher/local-path-provisioner:v0.0.37'
