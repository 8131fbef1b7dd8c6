# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared plumbing for the collection's Kubernetes modules; reuses kubernetes.core, copies nothing.

How a module uses it::

    DOCUMENTATION = '''
    ...
    extends_documentation_fragment:
      - kubernetes.core.k8s_auth_options      # the same auth options as kubernetes.core.k8s
    '''

    from ansible.module_utils.basic import AnsibleModule
    from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import (
        k8s_auth_argument_spec, require_k8s_libraries, connect, resource, server_version, api_error_message,
        API_ERRORS,
    )

    def main():
        spec = k8s_auth_argument_spec()
        spec.update(name=dict(type='str', required=True))
        module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
        require_k8s_libraries(module)            # fail_json(missing_required_lib(...)) when absent
        client = connect(module)                  # options, then K8S_AUTH_* env, then kubeconfig/in-cluster
        version = server_version(client)          # {'git_version': 'v1.34.1', 'major': 1, 'minor': 34}
        services = resource(client, 'v1', 'Service')
        try:
            found = services.get(namespace='default', label_selector='app=x').to_dict()
        except API_ERRORS as exc:
            module.fail_json(msg='Could not list Services: %s; check ...' % api_error_message(exc))

Auth is kubernetes.core's own: the option spec is ``kubernetes.core``'s ``AUTH_ARG_SPEC`` (kubeconfig,
context, host, api_key, validate_certs, ca_cert, client_cert, client_key, proxy, impersonation, ...)
and the client comes from ``kubernetes.core``'s ``get_api_client``, which also reads the ``K8S_AUTH_*``
environment variables (what AWX's Kubernetes credential injects). ``connect`` returns that
``K8SClient`` (``.client`` is a ``kubernetes.dynamic.DynamicClient`` working on plain JSON, so fields
the Python models do not know, such as ``spec.topologyKeys``, survive a read).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import json
import re
import traceback

from ansible.module_utils.basic import missing_required_lib

try:
    import kubernetes  # noqa: F401 pylint: disable=unused-import
    from kubernetes.client import VersionApi
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import DynamicApiError
    from urllib3.exceptions import HTTPError as TransportError
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
    # What an API call can raise: the server's refusal, or no answer at all (connection refused, TLS, timeout).
    API_ERRORS = (ApiException, DynamicApiError, TransportError)
except ImportError:  # pragma: no cover - reported through missing_required_lib
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = traceback.format_exc()
    API_ERRORS = ()

try:
    from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
    from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException
    HAS_KUBERNETES_CORE = True
    KUBERNETES_CORE_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - reported through require_k8s_libraries
    AUTH_ARG_SPEC = {}
    HAS_KUBERNETES_CORE = False
    KUBERNETES_CORE_IMPORT_ERROR = traceback.format_exc()

    class CoreException(Exception):
        """Stand-in so that ``except CoreException`` stays valid without kubernetes.core."""

# /version gitVersion of every distribution: v1.34.1, v1.30.14-rancher1, v1.31.4+rke2r1, v1.29.3-eks-1234.
_GIT_VERSION = re.compile(r'^v?(\d+)\.(\d+)(?:\.(\d+))?')


def k8s_auth_argument_spec():
    """A fresh copy of kubernetes.core's auth options, to extend with the module's own options."""
    return copy.deepcopy(AUTH_ARG_SPEC)


def require_k8s_libraries(module):
    """fail_json with install advice when the kubernetes Python client or kubernetes.core is missing."""
    if not HAS_KUBERNETES:
        module.fail_json(msg=missing_required_lib('kubernetes'), exception=KUBERNETES_IMPORT_ERROR)
    if not HAS_KUBERNETES_CORE:
        module.fail_json(
            msg='The collection kubernetes.core (>= 5.0.0) is required on the managed node for its auth code; '
                'install it with `ansible-galaxy collection install kubernetes.core` or the `ansible` package.',
            exception=KUBERNETES_CORE_IMPORT_ERROR)


def auth_params(params):
    """Only the auth options of a module's params (unset ones dropped, so K8S_AUTH_* can fill them)."""
    return dict((key, params.get(key)) for key in AUTH_ARG_SPEC if params.get(key) is not None)


def connect(module):
    """kubernetes.core's K8SClient for the module's auth options (with K8S_AUTH_* fallbacks); fails clearly."""
    try:
        return get_api_client(**auth_params(module.params))
    except (CoreException, ValueError, OSError) as exc:
        module.fail_json(
            msg='Could not configure the Kubernetes client: %s. Give kubeconfig (or host and api_key), '
                'or set K8S_AUTH_KUBECONFIG.' % exc)
    # kubernetes.config and urllib3 raise many unrelated types; the message is what the user needs.
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='Could not reach the Kubernetes API: %s; check kubeconfig/host and that the API '
                             'server is up.' % exc)
    return None


def resource(client, api_version, kind):
    """The dynamic-client resource for api_version/kind (discovery is cached by kubernetes.core)."""
    return client.resource(kind, api_version)


def parse_version(git_version, major='', minor=''):
    """(major, minor) from /version; accepts distribution suffixes (-rancher1, +rke2r1) and '30+' minors."""
    match = _GIT_VERSION.match(git_version or '')
    if match:
        return int(match.group(1)), int(match.group(2))
    major_digits = re.sub(r'\D', '', str(major))
    minor_digits = re.sub(r'\D', '', str(minor))
    if major_digits and minor_digits:
        return int(major_digits), int(minor_digits)
    raise ValueError('cannot read a Kubernetes version from gitVersion=%r major=%r minor=%r' % (git_version, major, minor))


def server_version(client):
    """The API server's version, read fresh from /version (kubernetes.core's discovery cache may be stale).

    Returns a dict: git_version (str), major (int), minor (int).
    """
    info = VersionApi(client.client.client).get_code()
    major, minor = parse_version(info.git_version, info.major, info.minor)
    return dict(git_version=info.git_version, major=major, minor=minor)


def api_error_message(exc):
    """The API server's own message from an ApiException/DynamicApiError, else str(exc); never a traceback."""
    body = getattr(exc, 'body', None)
    if body:
        try:
            decoded = json.loads(body)
            if isinstance(decoded, dict) and decoded.get('message'):
                return '%s (HTTP %s)' % (decoded['message'], getattr(exc, 'status', '?'))
        except (TypeError, ValueError):
            pass
    status = getattr(exc, 'status', None)
    reason = getattr(exc, 'reason', None)
    if status:
        return 'HTTP %s %s' % (status, reason or '')
    return str(exc)
