"""Every custom resource the add-on roles create validates against the CRDs of the pinned upstream release.

The templates are rendered as the roles' tasks render them; each object is checked against the
openAPIV3Schema of the version its apiVersion names (which must be served), made strict as the API
server's strict field validation is.
"""
import glob
import os

import jsonschema
import pytest

from upstream_data import crd_schema, evaluate, role_defaults, template_expr, upstream_path

DOMAIN = 'example.com'
POOLS = [
    {'name': 'public', 'addresses': ['192.0.2.240-192.0.2.250']},
    {'name': 'internal', 'addresses': ['10.50.0.0/28'], 'auto_assign': False, 'avoid_buggy_ips': True},
    {'name': 'routed', 'addresses': ['10.60.0.0/28'], 'protocol': 'bgp'},
]
PEERS = [{'name': 'tor', 'peer_address': '10.0.0.1', 'peer_asn': 64500, 'my_asn': 64501},
         {'name': 'tor2', 'peer_address': '10.0.0.2', 'peer_asn': 64500, 'my_asn': 64501, 'peer_port': 1179}]
COMMON = {'platform_domain': DOMAIN, 'platform_acme_email': 'ops@' + DOMAIN}
ISSUER = ("lookup('ansible.builtin.template', templates_dir ~ '/cluster-issuer.yaml.j2', "
          "template_vars={'item': {'key': '%s', 'value': cert_manager_acme_servers['%s']}}) | ansible.builtin.from_yaml")

CASES = [
    {'name': 'metallb', 'role': 'metallb', 'vars': {'metallb_address_pools': POOLS, 'metallb_bgp_peers': PEERS},
     'exprs': {'objects': template_expr('metallb-resources.yaml.j2')}},
    {'name': 'cert_manager', 'role': 'cert_manager', 'vars': COMMON,
     'exprs': {'objects': "[%s, %s] + (%s)" % (ISSUER % ('production', 'production'), ISSUER % ('staging', 'staging'),
                                               template_expr('certificate.yaml.j2'))}},
    {'name': 'istio', 'role': 'istio', 'vars': COMMON, 'exprs': {'objects': template_expr('gateway.yaml.j2')}},
    {'name': 'istio_no_redirect', 'role': 'istio', 'vars': dict(COMMON, istio_gateway_https_redirect=False),
     'exprs': {'objects': template_expr('gateway.yaml.j2')}},
]


@pytest.fixture(scope='module', name='rendered')
def rendered_fixture(tmp_path_factory):
    return evaluate(str(tmp_path_factory.mktemp('crs')), CASES)


def crd_files(component):
    """The CRD files of the pinned release of a component."""
    if component == 'metallb':
        return sorted(glob.glob(os.path.join(upstream_path('metallb', str(role_defaults('metallb')['metallb_chart_version']), 'crds'), '*.yaml')))
    if component == 'cert-manager':
        return sorted(glob.glob(os.path.join(upstream_path('cert-manager', role_defaults('cert_manager')['cert_manager_chart_version'], 'crds'), '*.yaml')))
    if component == 'istio':
        return [upstream_path('istio', str(role_defaults('istio')['istio_chart_version']), 'base', 'files', 'crd-all.gen.yaml')]
    raise AssertionError(component)


def validate(document, component):
    group, version = document['apiVersion'].split('/')
    schema = crd_schema(crd_files(component), document['kind'], group, version)
    jsonschema.validate({key: value for key, value in document.items() if key not in ('apiVersion', 'kind', 'metadata')}, schema)


def test_metallb_objects_match_the_pinned_crds(rendered):
    objects = rendered['metallb']['objects']
    assert [(item['kind'], item['metadata']['name']) for item in objects] == [
        ('IPAddressPool', 'public'), ('L2Advertisement', 'public'), ('IPAddressPool', 'internal'), ('L2Advertisement', 'internal'),
        ('IPAddressPool', 'routed'), ('BGPAdvertisement', 'routed'), ('BGPPeer', 'tor'), ('BGPPeer', 'tor2')]
    for item in objects:
        validate(item, 'metallb')
    assert objects[-1]['spec']['peerPort'] == 1179


def test_a_misspelt_metallb_field_is_caught():
    """The strict schema is what makes the check worth having."""
    with pytest.raises(jsonschema.ValidationError):
        validate({'apiVersion': 'metallb.io/v1beta1', 'kind': 'IPAddressPool', 'metadata': {},
                  'spec': {'addresses': ['10.0.0.0/28'], 'autoassign': True}}, 'metallb')


def test_cert_manager_objects_match_the_pinned_crds(rendered):
    objects = rendered['cert_manager']['objects']
    assert [(item['kind'], item['metadata']['name']) for item in objects] == [
        ('ClusterIssuer', 'letsencrypt-production'), ('ClusterIssuer', 'letsencrypt-staging'), ('Certificate', 'wildcard')]
    for item in objects:
        validate(item, 'cert-manager')
    assert objects[2]['spec']['dnsNames'] == [DOMAIN, '*.' + DOMAIN]


@pytest.mark.parametrize('case', ['istio', 'istio_no_redirect'])
def test_istio_gateway_matches_the_pinned_crd(rendered, case):
    (gateway,) = rendered[case]['objects']
    validate(gateway, 'istio')
    assert len(gateway['spec']['servers']) == (2 if case == 'istio' else 1)
