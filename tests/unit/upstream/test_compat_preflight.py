"""The roles refuse a combination outside docs/support-matrix.yml before any change, and the override warns.

Each run goes against an API server that does not exist: a refused combination fails in the checks
(tests.helpers.reached_the_cluster is false), an accepted one gets as far as the first API or Helm call.
"""
import re

import pytest

from upstream_data import run_role

from tests.helpers import reached_the_cluster

# A warning the role printed (not the task source Ansible echoes with an error).
WARNED = re.compile(r'ok: \[localhost\] => .{0,12}WARNING: ')
COMMON = {'platform_domain': 'example.com', 'platform_acme_email': 'ops@example.com',
          'cert_manager_cloudflare_api_token': 'cf-token-not-real', 'rancher_bootstrap_password': 'bootstrap-password-0123',
          'metallb_address_pools': [{'name': 'p', 'addresses': ['192.0.2.0/28']}]}

REFUSED = [
    # role, settings, the two parts that clash and the nearest supported choice, all in the message
    ('rancher', {'rancher_kubernetes_version': 'v1.37.1'},
     ['Rancher 2.15.0 does not support the cluster\'s Kubernetes v1.37.1', 'below 1.37',
      'no Rancher release supports this Kubernetes version', 'or Kubernetes 1.36 for Rancher 2.15.0']),
    ('rancher', {'rancher_kubernetes_version': 'v1.36.3', 'rancher_chart_version': '2.13.8'},
     ['Rancher 2.13.8 does not support the cluster\'s Kubernetes v1.36.3', 'Nearest supported choice: rancher_chart_version 2.15.0',
      'or Kubernetes 1.34 for Rancher 2.13.8']),
    ('rancher', {'rancher_kubernetes_version': 'v1.30.14', 'platform_engine': 'rke1'},
     ['Rancher 2.15.0 does not support RKE1', 'rke1', 'nearest supported: 2.11.16']),
    ('istio', {'istio_kubernetes_version': 'v1.31.4'},
     ['Istio 1.30.3 and the cluster\'s Kubernetes v1.31.4', 'supports Kubernetes 1.32, 1.33, 1.34, 1.35, 1.36, not 1.31',
      'Nearest supported choice: istio_chart_version 1.29.6']),
    ('istio', {'istio_kubernetes_version': 'v1.34.2', 'istio_chart_version': '1.28.1'},
     ['Istio 1.28 is end of life', 'Nearest supported choice: istio_chart_version 1.30.3']),
    ('cert_manager', {'cert_manager_kubernetes_version': 'v1.32.9'},
     ['cert-manager v1.21.1 does not support the cluster\'s Kubernetes v1.32.9', '1.33 to 1.36',
      'Nearest supported choice: cert_manager_chart_version v1.20.3']),
    ('metallb', {'metallb_config_format': 'configmap'},
     ['metallb_config_format configmap does not work with MetalLB 0.16.1', 'ignore the ConfigMap',
      'Nearest supported choice: metallb_config_format auto (or crds)']),
    ('metallb', {'metallb_config_format': 'crds', 'metallb_chart_version': '0.12.1'},
     ['metallb_config_format crds does not work with MetalLB 0.12.1', 'no IPAddressPool/L2Advertisement CRDs']),
]


@pytest.mark.parametrize('role, settings, expected', REFUSED, ids=lambda value: value if isinstance(value, str) else None)
def test_outside_the_matrix_is_refused_before_any_change(tmp_path, role, settings, expected):
    code, output = run_role(str(tmp_path), role, dict(COMMON, **settings))
    assert code != 0, output
    for text in expected:
        assert text in output, text + '\n' + output
    assert 'Nothing was changed' in output and role + '_allow_unsupported: true' in output, output
    assert not reached_the_cluster(output), 'the role reached for the API server before refusing:\n' + output


@pytest.mark.parametrize('role, settings', [(role, settings) for role, settings, _expected in REFUSED],
                         ids=lambda value: value if isinstance(value, str) else None)
def test_the_override_warns_and_goes_on(tmp_path, role, settings):
    code, output = run_role(str(tmp_path), role, dict(COMMON, **settings, **{role + '_allow_unsupported': True}))
    assert code != 0, output
    assert WARNED.search(output) and role + '_allow_unsupported is true' in output, output
    assert reached_the_cluster(output), 'the override did not let the role go on:\n' + output


@pytest.mark.parametrize('role, settings', [
    ('rancher', {'rancher_kubernetes_version': 'v1.36.3'}),
    ('rancher', {'rancher_kubernetes_version': 'v1.30.14', 'platform_engine': 'rke1', 'rancher_chart_version': '2.11.16'}),
    ('istio', {'istio_kubernetes_version': 'v1.32.0'}),
    ('cert_manager', {'cert_manager_kubernetes_version': 'v1.36.3'}),
    ('metallb', {'metallb_config_format': 'crds'}),
    ('metallb', {'metallb_config_format': 'configmap', 'metallb_chart_version': '0.12.1'}),
])
def test_supported_combinations_pass_without_warning(tmp_path, role, settings):
    code, output = run_role(str(tmp_path), role, dict(COMMON, **settings))
    assert code != 0, output
    assert reached_the_cluster(output), output
    assert not WARNED.search(output), output


@pytest.mark.parametrize('role', ['rancher', 'istio', 'cert_manager'])
def test_without_a_version_the_role_asks_the_api_server(tmp_path, role):
    """No version given: the check reads it from the cluster (here: fails reaching it, before any write)."""
    code, output = run_role(str(tmp_path), role, COMMON)
    assert code != 0
    assert "Read the cluster's Kubernetes version" in output and reached_the_cluster(output), output
