"""What the add-on roles wait on is what the real charts (and manifests) render under the roles' release names.

resources.txt in the data pack lists every object a chart renders with its defaults under upstream's usual
release name and namespace; the roles must use the same names, or they would wait for something that never
comes. The list of waits is read from the roles' tasks, so a new wait without an entry here fails.
"""
import glob
import os

import pytest

from upstream_data import REPO_ROOT, load_yaml, load_yaml_all, resources, role_defaults, upstream_path

# Each k8s_info task that waits (wait: true or until:), by role and task name: the object it waits for, as
# (kind, namespace variable, name variable) of the role's defaults, and where upstream says it exists.
WAITS = {
    ('metallb', 'Look for MetalLB\'s webhook service'): ('Service', 'metallb_namespace', 'metallb_webhook_service', 'metallb'),
    ('metallb', 'Poll the webhook service\'s EndpointSlices'): ('Service', 'metallb_namespace', 'metallb_webhook_service', 'metallb'),
    ('istio', 'Wait for the gateway Deployment to become available'):
        ('Deployment', 'istio_gateway_namespace', 'istio_gateway_release_name', 'istio-gateway'),
    ('istio', "Wait for the gateway Service's external IP"):
        ('Service', 'istio_gateway_namespace', 'istio_gateway_release_name', 'istio-gateway'),
    ('local_path_provisioner', 'Wait for the provisioner Deployment to become available'):
        ('Deployment', 'local_path_provisioner_namespace', 'local-path-provisioner', 'local-path-manifest'),
    ('postgres_operator', 'Wait for the PostgresCluster CRD to be Established'):
        ('CustomResourceDefinition', None, 'postgresclusters.postgres-operator.crunchydata.com', 'pgo-crds'),
    # A custom resource the role creates itself (validated in test_custom_resources.py), not one a chart renders.
    ('cert_manager', 'Wait for Certificate Ready'): None,
}
# Release names and namespaces resources.txt was rendered with (README of the data pack).
RELEASES = {
    'metallb': ('metallb_release_name', 'metallb', 'metallb_namespace', 'metallb-system'),
    'cert_manager': ('cert_manager_release_name', 'cert-manager', 'cert_manager_namespace', 'cert-manager'),
    'rancher': ('rancher_release_name', 'rancher', 'rancher_namespace', 'cattle-system'),
    'istio': ('istio_gateway_release_name', 'istio-ingressgateway', 'istio_gateway_namespace', 'istio-ingress'),
}


def waiting_tasks():
    """(role, task name) of every k8s_info task in the add-on roles that waits or polls."""
    found = set()
    for role in ('metallb', 'openebs', 'local_path_provisioner', 'cert_manager', 'rancher', 'istio', 'postgres_operator'):
        for path in glob.glob(os.path.join(REPO_ROOT, 'roles', role, 'tasks', '*.yml')):
            for task in _tasks(load_yaml(path) or []):
                if 'kubernetes.core.k8s_info' in task:
                    args = task['kubernetes.core.k8s_info']
                    if args.get('wait') or 'until' in task or args.get('kind') in ('Service', 'EndpointSlice'):
                        found.add((role, task['name']))
    return found


def _tasks(tasks):
    for task in tasks:
        yield task
        for key in ('block', 'rescue', 'always'):
            yield from _tasks(task.get(key, []))


def test_every_wait_is_listed():
    assert waiting_tasks() == set(WAITS)


@pytest.mark.parametrize('role, release_var, release, namespace_var, namespace',
                         [(role,) + spec for role, spec in RELEASES.items()])
def test_release_names_are_the_ones_upstream_rendered(role, release_var, release, namespace_var, namespace):
    defaults = role_defaults(role)
    assert (defaults[release_var], defaults[namespace_var]) == (release, namespace)


def rendered(source):
    defaults = {role: role_defaults(role) for role in ('metallb', 'istio', 'local_path_provisioner', 'postgres_operator')}
    if source == 'metallb':
        return resources('metallb', str(defaults['metallb']['metallb_chart_version']), 'resources.txt')
    if source == 'istio-gateway':
        return resources('istio', str(defaults['istio']['istio_chart_version']), 'gateway', 'resources.txt')
    if source == 'local-path-manifest':
        version = defaults['local_path_provisioner']['local_path_provisioner_version']
        docs = load_yaml_all(upstream_path('local-path-provisioner', version, 'deploy', 'local-path-storage.yaml'))
        return {(doc['kind'], doc['metadata'].get('namespace', '-'), doc['metadata']['name']) for doc in docs}
    if source == 'pgo-crds':
        version = 'v' + defaults['postgres_operator']['postgres_operator_version']
        rows = set()
        for path in glob.glob(os.path.join(upstream_path('postgres-operator', version, 'crds'), '*.yaml')):
            for doc in load_yaml_all(path):
                rows.add((doc['kind'], '-', doc['metadata']['name']))
        return rows
    raise AssertionError(source)


@pytest.mark.parametrize('role, task', sorted(task for task, spec in WAITS.items() if spec))
def test_waited_object_is_rendered_upstream(role, task):
    kind, namespace_var, name, source = WAITS[(role, task)]
    defaults = role_defaults(role)
    namespace = defaults[namespace_var] if namespace_var else '-'
    name = defaults.get(name, name)
    assert (kind, namespace, name) in rendered(source), \
        '%s waits for %s %s/%s, which upstream does not render' % (role, kind, namespace, name)
