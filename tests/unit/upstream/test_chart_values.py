"""Every values key an add-on role sends to its chart exists in that chart at the pinned version.

The values are computed as the roles compute them (roles/<role>/vars/main.yml over the defaults, with the
settings of each case), then every leaf key is looked up in the upstream chart's values.yaml, and the whole
set is validated against its values.schema.json where the chart has one.
"""
import re

import jsonschema
import pytest

from upstream_data import (evaluate, get_path, has_path, leaf_paths, load_json, load_yaml, openebs_unverified,
                           read_text, role_defaults, upstream_path)

# What k8s_objects_info returns for the three VolumeSnapshot CRDs (install.yml reads them in one call).
SNAPSHOT_CRDS_OWNED_BY_RKE2 = {'objects': [
    {'name': name, 'exists': True, 'object': {'metadata': {'name': name, 'annotations': {
        'meta.helm.sh/release-name': 'rke2-snapshot-controller-crd', 'meta.helm.sh/release-namespace': 'kube-system'}}}}
    for name in ('volumesnapshotclasses.snapshot.storage.k8s.io', 'volumesnapshotcontents.snapshot.storage.k8s.io',
                 'volumesnapshots.snapshot.storage.k8s.io')]}
SNAPSHOT_CRDS_OWNED_BY_OPENEBS = {'objects': [
    {'name': 'volumesnapshots.snapshot.storage.k8s.io', 'exists': True, 'object': {'metadata': {
        'name': 'volumesnapshots.snapshot.storage.k8s.io', 'annotations': {
            'meta.helm.sh/release-name': 'openebs', 'meta.helm.sh/release-namespace': 'openebs'}}}},
    {'name': 'volumesnapshotclasses.snapshot.storage.k8s.io', 'exists': False, 'object': None}]}

CASES = [
    {'name': 'metallb_l2', 'role': 'metallb', 'exprs': {'values': '_metallb_values'}},
    {'name': 'metallb_frr', 'role': 'metallb', 'vars': {'metallb_frr_enabled': True}, 'exprs': {'values': '_metallb_values'}},
    {'name': 'cert_manager', 'role': 'cert_manager', 'exprs': {'values': '_cert_manager_values'}},
    {'name': 'rancher_own_ca', 'role': 'rancher', 'vars': {'rancher_bootstrap_password': 'x' * 16},
     'exprs': {'values': '_rancher_values'}},
    {'name': 'rancher_letsencrypt', 'role': 'rancher',
     'vars': {'rancher_bootstrap_password': 'x' * 16, 'rancher_tls_source': 'letsEncrypt',
              'rancher_letsencrypt_email': 'ops@example.com', 'rancher_letsencrypt_ingress_class': 'traefik'},
     'exprs': {'values': '_rancher_values'}},
    {'name': 'rancher_private_ca', 'role': 'rancher',
     'vars': {'rancher_bootstrap_password': 'x' * 16, 'rancher_tls_source': 'secret', 'rancher_private_ca': True},
     'exprs': {'values': '_rancher_values'}},
    {'name': 'rancher_public_secret', 'role': 'rancher',
     'vars': {'rancher_bootstrap_password': 'x' * 16, 'rancher_tls_source': 'secret'},
     'exprs': {'values': '_rancher_values'}},
    {'name': 'istio', 'role': 'istio',
     'vars': {'istio_gateway_load_balancer_ip': '192.0.2.10', 'istio_gateway_address_pool': 'public'},
     'exprs': {'releases': '_istio_releases'}},
    {'name': 'openebs_defaults', 'role': 'openebs', 'exprs': {'values': '_openebs_values'}},
    {'name': 'openebs_everything', 'role': 'openebs',
     'vars': {'openebs_lvm_enabled': True, 'openebs_zfs_enabled': True, 'openebs_mayastor_enabled': True,
              'openebs_loki_enabled': True, 'openebs_alloy_enabled': True},
     'exprs': {'values': '_openebs_values'}},
    {'name': 'openebs_on_rke2', 'role': 'openebs', 'vars': {'_openebs_snapshot_crds': SNAPSHOT_CRDS_OWNED_BY_RKE2},
     'exprs': {'values': '_openebs_values', 'foreign': '_openebs_foreign_snapshot_crds'}},
    {'name': 'openebs_upgrade', 'role': 'openebs', 'vars': {'_openebs_snapshot_crds': SNAPSHOT_CRDS_OWNED_BY_OPENEBS},
     'exprs': {'values': '_openebs_values', 'foreign': '_openebs_foreign_snapshot_crds'}},
    {'name': 'openebs_rke2_forced', 'role': 'openebs',
     'vars': {'_openebs_snapshot_crds': SNAPSHOT_CRDS_OWNED_BY_RKE2, 'openebs_volume_snapshot_crds': 'install'},
     'exprs': {'values': '_openebs_values'}},
    {'name': 'openebs_4_2', 'role': 'openebs', 'vars': {'openebs_chart_version': '4.2.0', 'openebs_loki_enabled': True},
     'exprs': {'values': '_openebs_values'}},
    {'name': 'pgo', 'role': 'postgres_operator', 'exprs': {'values': 'postgres_operator_extra_values'}},
    {'name': 'jenkins_defaults', 'role': 'jenkins', 'vars': {'platform_domain': 'example.com'}, 'exprs': {'values': '_jenkins_values'}},
    {'name': 'jenkins_everything', 'role': 'jenkins',
     'vars': {'platform_domain': 'example.com', 'jenkins_agent_allow_privileged_docker_socket': True, 'jenkins_storage_class': 'fast',
              'jenkins_monorepo_url': 'https://git.example.com/shop.git', 'jenkins_monorepo_services': ['frontend'],
              'jenkins_discord_webhook_url': 'https://discord.com/api/webhooks/1/x', 'jenkins_git_username': 'ci',
              'jenkins_git_password': 'token'},
     'exprs': {'values': '_jenkins_values'}},
]


@pytest.fixture(scope='module', name='computed')
def computed_fixture(tmp_path_factory):
    return evaluate(str(tmp_path_factory.mktemp('values')), CASES)


def pinned(role, variable):
    return str(role_defaults(role)[variable])


def merged(defaults, values):
    """What Helm validates: the chart's values.yaml with the user's values merged over it."""
    if isinstance(defaults, dict) and isinstance(values, dict):
        out = dict(defaults)
        for key, value in values.items():
            out[key] = merged(defaults.get(key), value) if key in defaults else value
        return out
    return values


def schema_validate(values, schema_path, chart_values=None):
    schema = load_json(schema_path)
    # Istio's gateway schema names a metaschema URL jsonschema does not know; its keywords are draft-07's.
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator(schema).validate(merged(chart_values, values) if chart_values is not None else values)


def missing_keys(values, chart_values):
    return [path for path in leaf_paths(values) if not has_path(chart_values, path)]


@pytest.mark.parametrize('case', ['metallb_l2', 'metallb_frr'])
def test_metallb_values_exist_in_the_chart(computed, case):
    version = pinned('metallb', 'metallb_chart_version')
    values = computed[case]['values']
    chart = load_yaml(upstream_path('metallb', version, 'values.yaml'))
    assert missing_keys(values, chart) == []
    schema_validate(values, upstream_path('metallb', version, 'values.schema.json'), chart)
    if case == 'metallb_l2':
        # L2-only turns off both FRR backends the 0.16 chart can run (frrk8s is on by default upstream).
        assert values == {'speaker': {'frr': {'enabled': False}}, 'frrk8s': {'enabled': False}}
        assert chart['frrk8s']['enabled'] is True


def test_cert_manager_values_exist_and_pass_the_strict_schema(computed):
    version = pinned('cert_manager', 'cert_manager_chart_version')
    values = computed['cert_manager']['values']
    chart = load_yaml(upstream_path('cert-manager', version, 'values.yaml'))
    assert values == {'crds': {'enabled': True, 'keep': True}}
    assert missing_keys(values, chart) == []
    schema_validate(values, upstream_path('cert-manager', version, 'values.schema.json'), chart)
    with pytest.raises(jsonschema.ValidationError):
        schema_validate({'crds': {'enabled': True, 'kep': True}}, upstream_path('cert-manager', version, 'values.schema.json'), chart)


def test_cert_manager_still_accepts_the_deprecated_install_crds():
    """The role's comment says so: installCRDs is deprecated in 1.21, not rejected."""
    version = pinned('cert_manager', 'cert_manager_chart_version')
    schema_validate({'installCRDs': True}, upstream_path('cert-manager', version, 'values.schema.json'),
                    load_yaml(upstream_path('cert-manager', version, 'values.yaml')))
    schema = read_text(upstream_path('cert-manager', version, 'values.schema.json'))
    assert 'Deprecated: use crds.enabled and crds.keep instead' in schema


# Rancher documents these keys only as comments in values.yaml (README of the data pack): valid, not present as YAML.
RANCHER_COMMENT_ONLY = {'hostname': r'(?m)^# hostname: ', 'letsEncrypt.email': r'(?m)^letsEncrypt:\n  # email: '}


@pytest.mark.parametrize('case', ['rancher_own_ca', 'rancher_letsencrypt', 'rancher_private_ca', 'rancher_public_secret'])
def test_rancher_values_exist_in_the_chart(computed, case):
    version = pinned('rancher', 'rancher_chart_version')
    values = computed[case]['values']
    text = read_text(upstream_path('rancher', version, 'values.yaml'))
    chart = load_yaml(upstream_path('rancher', version, 'values.yaml'))
    missing = missing_keys(values, chart)
    for path in list(missing):
        if path in RANCHER_COMMENT_ONLY:
            assert re.search(RANCHER_COMMENT_ONLY[path], text), path + ' is no longer documented in values.yaml'
            missing.remove(path)
    assert missing == []
    schema_validate(values, upstream_path('rancher', version, 'values.schema.json'), chart)


@pytest.mark.parametrize('case, mode', [('rancher_own_ca', 'strict'), ('rancher_letsencrypt', 'system-store'),
                                        ('rancher_private_ca', 'strict'), ('rancher_public_secret', 'system-store')])
def test_rancher_agent_tls_mode_follows_the_tls_source(computed, case, mode):
    """strict only where Rancher knows the CA; a public certificate with strict leaves the agents an empty CA list."""
    assert computed[case]['values']['agentTLSMode'] == mode


def test_istio_gateway_values_exist_in_the_chart(computed):
    version = pinned('istio', 'istio_chart_version')
    releases = {release['name']: release for release in computed['istio']['releases']}
    assert sorted(releases) == ['istio-base', 'istio-ingressgateway', 'istiod']
    gateway = releases['istio-ingressgateway']['values']
    assert gateway['service']['annotations'] == {'metallb.io/loadBalancerIPs': '192.0.2.10', 'metallb.io/address-pool': 'public'}
    # Istio wraps every default under _internal_defaults_do_not_set; users set the keys at the top level.
    chart_values = load_yaml(upstream_path('istio', version, 'gateway', 'values.yaml'))
    chart = chart_values['_internal_defaults_do_not_set']
    assert missing_keys({'service': {'type': gateway['service']['type']}}, chart) == []
    assert has_path(chart, 'service.annotations')
    schema_validate(gateway, upstream_path('istio', version, 'gateway', 'values.schema.json'), chart_values)
    with pytest.raises(jsonschema.ValidationError):
        schema_validate({'servce': {'type': 'LoadBalancer'}}, upstream_path('istio', version, 'gateway', 'values.schema.json'), chart_values)
    # base and istiod get only the user's extra values (none by default).
    assert releases['istio-base']['values'] == {} and releases['istiod']['values'] == {}


# OpenEBS: the pin (4.4.0) has no chart files in any upstream snapshot (openebs/openebs ends at 4.2.0). Keys are
# verified against the newest chart data there is: the 4.2.0 umbrella values.yaml, the localpv-provisioner 4.0.0
# subchart values.yaml, and the 4.4.x installation guide's --set examples. These stay unverified at 4.4.0:
OPENEBS_UNVERIFIED = {
    'loki.enabled': 'Loki subchart, added in 4.3; no 4.3+ umbrella values.yaml is in any snapshot',
    'loki.minio.enabled': "MinIO inside Loki's subchart, added in 4.3; same reason",
    'alloy.enabled': 'Alloy subchart, added in 4.3; same reason',
}


@pytest.mark.parametrize('case', ['openebs_defaults', 'openebs_everything', 'openebs_on_rke2'])
def test_openebs_values_exist_upstream_except_the_listed_ones(computed, case):
    assert pinned('openebs', 'openebs_chart_version') == '4.4.0', 'new OpenEBS pin: revisit OPENEBS_UNVERIFIED'
    assert sorted(openebs_unverified(computed[case]['values'])) == sorted(OPENEBS_UNVERIFIED)


def test_openebs_values_at_4_2_all_exist_and_send_no_log_stack(computed):
    values = computed['openebs_4_2']['values']
    assert 'loki' not in values and 'alloy' not in values
    assert openebs_unverified(values) == []


def test_openebs_log_stack_is_off_by_default_and_switchable(computed):
    assert computed['openebs_defaults']['values']['loki'] == {'enabled': False, 'minio': {'enabled': False}}
    assert computed['openebs_defaults']['values']['alloy'] == {'enabled': False}
    assert computed['openebs_everything']['values']['loki'] == {'enabled': True, 'minio': {'enabled': True}}
    assert computed['openebs_everything']['values']['alloy'] == {'enabled': True}


@pytest.mark.parametrize('case, installed', [('openebs_defaults', True), ('openebs_on_rke2', False),
                                             ('openebs_upgrade', True), ('openebs_rke2_forced', True)])
def test_openebs_leaves_snapshot_crds_of_another_owner_alone(computed, case, installed):
    """RKE2's rke2-snapshot-controller-crd owns them: Helm refuses an install that renders them again."""
    values = computed[case]['values']
    assert values['openebs-crds']['csi']['volumeSnapshots']['enabled'] is installed
    if case == 'openebs_on_rke2':
        assert len(computed[case]['foreign']) == 3
    if case == 'openebs_upgrade':
        assert computed[case]['foreign'] == []


def test_pgo_helm_sends_no_values_by_default(computed):
    """The 6.x chart exists only as an OCI artifact (no source in any snapshot): the role sends nothing to verify."""
    assert computed['pgo']['values'] == {}


# Maps of the user's own names upstream documents as empty ({}): a key under them is the user's, not the chart's.
JENKINS_USER_MAPS = ('controller.JCasC.configScripts', 'agent.podTemplates')


@pytest.mark.parametrize('case', ['jenkins_defaults', 'jenkins_everything'])
def test_jenkins_values_exist_in_the_chart(computed, case):
    version = pinned('jenkins', 'jenkins_chart_version')
    values = computed[case]['values']
    chart = load_yaml(upstream_path('jenkins', version, 'values.yaml'))
    missing = missing_keys(values, chart)
    for prefix in JENKINS_USER_MAPS:
        assert get_path(chart, prefix) == {}, prefix + ' is no longer a free map upstream'
        assert get_path(values, prefix), prefix + ' is not sent'
        missing = [path for path in missing if not path.startswith(prefix + '.')]
    assert missing == []
    # The chart's own pins are the role's for the plugins it pins.
    chart_pins = dict(pin.split(':') for pin in chart['controller']['installPlugins'])
    role_pins = dict(pin.split(':') for pin in values['controller']['installPlugins'])
    assert {name: role_pins[name] for name in chart_pins} == chart_pins
    # additionalExistingSecrets items carry only the keys upstream documents (name, keyName).
    assert all(sorted(item) == ['keyName', 'name'] for item in values['controller']['additionalExistingSecrets'])
