"""k8s_common: version parsing, API error messages, auth options taken from kubernetes.core."""
import json

import pytest

from ansible_collections.baremetal.platform.plugins.module_utils.k8s import client as k8s_common
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC


@pytest.mark.parametrize('git_version, expected', [
    ('v1.34.1', (1, 34)),
    ('v1.30.14-rancher1', (1, 30)),
    ('v1.31.4+rke2r1', (1, 31)),
    ('v1.29.3-eks-1234abc', (1, 29)),
    ('1.9.0', (1, 9)),
    ('v1.100.0', (1, 100)),
])
def test_parse_version_reads_major_and_minor(git_version, expected):
    assert k8s_common.parse_version(git_version) == expected


def test_parse_version_falls_back_to_major_minor_fields():
    assert k8s_common.parse_version('', '1', '30+') == (1, 30)


def test_parse_version_refuses_nonsense():
    with pytest.raises(ValueError, match='cannot read'):
        k8s_common.parse_version('devel', '', '')


def test_versions_compare_numerically_not_as_text():
    assert k8s_common.parse_version('v1.100.0') > k8s_common.parse_version('v1.34.0')
    assert k8s_common.parse_version('v1.9.0') < k8s_common.parse_version('v1.22.0')


def test_auth_spec_is_kubernetes_core_s_and_a_copy():
    spec = k8s_common.k8s_auth_argument_spec()
    assert spec == AUTH_ARG_SPEC
    spec['kubeconfig']['no_log'] = False
    assert AUTH_ARG_SPEC['kubeconfig']['no_log'] is True


def test_auth_params_keeps_only_set_auth_options():
    params = {'kubeconfig': '/k', 'context': None, 'namespaces': ['a'], 'api_key': 'secret'}
    assert k8s_common.auth_params(params) == {'kubeconfig': '/k', 'api_key': 'secret'}


class _ApiError(Exception):
    def __init__(self, status, reason, body):
        super().__init__(reason)
        self.status, self.reason, self.body = status, reason, body


def test_api_error_message_uses_the_servers_message():
    body = json.dumps({'kind': 'Status', 'message': 'services "x" is forbidden', 'code': 403})
    assert k8s_common.api_error_message(_ApiError(403, 'Forbidden', body)) == 'services "x" is forbidden (HTTP 403)'


def test_api_error_message_without_a_json_body():
    assert k8s_common.api_error_message(_ApiError(502, 'Bad Gateway', '<html>')) == 'HTTP 502 Bad Gateway'
    assert k8s_common.api_error_message(ValueError('plain')) == 'plain'
