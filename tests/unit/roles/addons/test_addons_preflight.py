"""Bad input stops each add-on role in its input checks, before any call to the API server."""
import os

import pytest

from addons_helpers import HERE, run_playbook

from tests.helpers import UNREACHABLE_KUBECONFIG, reached_the_cluster

KUBECONFIG = UNREACHABLE_KUBECONFIG
TOKEN = 'cf-token-that-must-never-be-printed'
PASSWORD = 'bootstrap-password-never-printed'
GOOD = {
    'platform_domain': 'imperialplugins.com',
    'platform_acme_email': 'ops@imperialplugins.com',
    'cert_manager_cloudflare_api_token': TOKEN,
    'rancher_bootstrap_password': PASSWORD,
}


def run_role(tmp_path, role, **overrides):
    kubeconfig = tmp_path / 'kubeconfig'
    kubeconfig.write_text(KUBECONFIG, encoding='utf-8')
    variables = dict(GOOD, preflight_role=role, preflight_kubeconfig=str(kubeconfig), **overrides)
    result = run_playbook(os.path.join(HERE, 'preflight.yml'), variables)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert TOKEN not in output and PASSWORD not in output, 'a secret was printed:\n' + output
    return output


@pytest.mark.parametrize('role, overrides, message', [
    ('cert_manager', {'cert_manager_cloudflare_api_token': ''}, 'cert_manager_cloudflare_api_token=(0 characters): empty'),
    ('cert_manager', {'platform_domain': ''}, 'cert_manager_domain="": not a domain name: it is empty'),
    ('cert_manager', {'platform_domain': 'example..com'}, 'cert_manager_domain="example..com": not a domain name'),
    ('cert_manager', {'platform_acme_email': 'admin@example'}, 'cert_manager_acme_email="admin@example": not an e-mail'),
    ('rancher', {'platform_engine': 'rke1'}, 'does not support RKE1'),
    ('rancher', {'rancher_bootstrap_password': 'short'},
     'rancher_bootstrap_password=(5 characters): Rancher needs 12 or more characters'),
    ('rancher', {'rancher_private_ca': True}, 'rancher_private_ca is only valid with rancher_tls_source'),
    ('openebs', {'openebs_chart_version': '3.10.0', 'node_iscsi_enabled': False,
                 'openebs_legacy_iscsi_hosts': ['localhost']}, 'needs iSCSI on every node'),
    ('openebs', {'openebs_chart_version': '3.10.0', 'openebs_mayastor_enabled': True}, 'has no\nlvm, zfs or Mayastor'),
    ('openebs', {'openebs_hostpath_enabled': False}, 'is not a class this role'),
    ('istio', {'istio_gateway_extra_values': {'gateways': {'istio-ingressgateway': {'sds': {'enabled': True}}}}},
     'SDS is the only mode'),
    ('local_path_provisioner', {'local_path_provisioner_node_path_map': [{'node': 'n1', 'paths': ['relative']}]},
     'one or more absolute directories'),
    # The shared chart-source check (addon_common tasks_from chart_source) names each role's own variables.
    ('rancher', {'rancher_chart_repo_url': ''},
     "rancher_chart_ref 'rancher' is a chart name but rancher_chart_repo_url is empty. Set rancher_chart_repo_url, "
     'or give a local .tgz path or an oci:// reference in rancher_chart_ref.'),
    ('cert_manager', {'cert_manager_chart_ref': 'cert-manager'},
     "cert_manager_chart_ref 'cert-manager' is a chart name but cert_manager_chart_repo_url is empty. "
     'Set cert_manager_chart_repo_url (e.g. https://charts.jetstack.io), or give'),
    ('openebs', {'openebs_chart_version': '3.10.0', 'openebs_legacy_chart_repo_url': ''},
     "openebs_chart_ref 'openebs' is a chart name but openebs_legacy_chart_repo_url is empty."),
    ('istio', {'istio_chart_repo_url': '', 'istio_gateway_chart_ref': 'oci://registry.example.com/charts/gateway'},
     "istio_base_chart_ref 'base', istio_istiod_chart_ref 'istiod' are chart names but istio_chart_repo_url is empty. "
     'Set istio_chart_repo_url, or give local .tgz paths or oci:// references in istio_base_chart_ref, istio_istiod_chart_ref.'),
    # The play's module_defaults choose the cluster: the removed metallb_context must not be ignored silently.
    ('metallb', {'metallb_address_pools': [{'name': 'p', 'addresses': ['192.0.2.0/28']}], 'metallb_context': 'other'},
     'metallb_context="other": no longer read'),
])
def test_bad_input_fails_before_any_api_call(tmp_path, role, overrides, message):
    output = run_role(tmp_path, role, **overrides)
    assert ' '.join(message.split()) in ' '.join(output.split()), output
    assert not reached_the_cluster(output), 'the role reached for the API server before failing:\n' + output


@pytest.mark.parametrize('role, overrides', [
    ('rancher', {'platform_engine': 'rke1', 'rancher_chart_version': '2.11.3'}),
    ('openebs', {'openebs_chart_version': '3.10.0', 'node_iscsi_enabled': True, 'openebs_legacy_iscsi_hosts': ['localhost']}),
    ('cert_manager', {}),
])
def test_good_input_passes_the_checks(tmp_path, role, overrides):
    """The same roles with supported input get as far as the API server (and fail there, it does not exist)."""
    output = run_role(tmp_path, role, **overrides)
    assert reached_the_cluster(output), output
