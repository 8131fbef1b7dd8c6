"""The fixture charts render objects named as the real charts name them (resources.txt of the data pack).

Rendered with the lab's helm (helm template, under the roles' release names and namespaces and the values
the roles send); every object must be one upstream renders, except the fixture-only objects listed here.
Versions, values and schemas are checked offline in tests/unit/upstream/test_fixture_charts.py.
"""
import os
import subprocess
import sys

import pytest
import yaml

from tests.integration.addons.conftest import CHARTS

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'unit', 'upstream'))
import upstream_data  # noqa: E402  pylint: disable=import-error,wrong-import-position

pytestmark = pytest.mark.k8s

# Objects the fixtures render that upstream's default render does not list, and why.
FIXTURE_ONLY = {
    ('ConfigMap', 'metallb-system', 'metallb-fixture-values'): 'records the values the role sent',
    ('EndpointSlice', 'metallb-system', 'metallb-webhook-service-fixture'): "the fake webhook Service's endpoint",
    ('Secret', 'cattle-system', 'bootstrap-secret'):
        'upstream renders it only with a bootstrap password (resources.txt renders the chart defaults, an empty password)',
}


def render(helm, chart, release, namespace, *sets):
    result = subprocess.run([helm, 'template', release, os.path.join(CHARTS, chart), '-n', namespace, '--kube-version', '1.36.3']
                            + [arg for item in sets for arg in ('--set', item)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return {(doc['kind'], doc['metadata'].get('namespace', '-'), doc['metadata']['name'])
            for doc in yaml.safe_load_all(result.stdout) if doc}


def test_fixture_objects_are_named_as_upstream_names_them(addons):
    helm = addons.lab.helm_path
    pins = {role: upstream_data.role_defaults(role) for role in ('metallb', 'cert_manager', 'rancher', 'istio')}
    istio = str(pins['istio']['istio_chart_version'])
    cases = [
        (render(helm, 'metallb', 'metallb', 'metallb-system', 'fixture.webhook.enabled=true'),
         upstream_data.resources('metallb', str(pins['metallb']['metallb_chart_version']), 'resources.txt')),
        (render(helm, 'cert-manager', 'cert-manager', 'cert-manager'),
         upstream_data.resources('cert-manager', pins['cert_manager']['cert_manager_chart_version'], 'resources.txt')),
        (render(helm, 'rancher', 'rancher', 'cattle-system', 'hostname=rancher.example.com', 'bootstrapPassword=x'),
         upstream_data.resources('rancher', str(pins['rancher']['rancher_chart_version']), 'resources.txt')),
        (render(helm, 'istio-base', 'istio-base', 'istio-system'), upstream_data.resources('istio', istio, 'base', 'resources.txt')),
        (render(helm, 'istiod', 'istiod', 'istio-system'), upstream_data.resources('istio', istio, 'istiod', 'resources.txt')),
        (render(helm, 'istio-gateway', 'istio-ingressgateway', 'istio-ingress'),
         upstream_data.resources('istio', istio, 'gateway', 'resources.txt')),
        # The jenkins role always names the admin Secret (the fixture refuses a generated admin password).
        (render(helm, 'jenkins', 'jenkins', 'jenkins', 'controller.admin.createSecret=false',
                'controller.admin.existingSecret=jenkins-admin'),
         upstream_data.resources('jenkins', str(upstream_data.role_defaults('jenkins')['jenkins_chart_version']), 'resources.txt')),
    ]
    for mine, theirs in cases:
        assert mine, 'a fixture rendered nothing'
        assert sorted(mine - theirs - set(FIXTURE_ONLY)) == []
    assert set(FIXTURE_ONLY) <= set().union(*(mine for mine, _theirs in cases))


def test_openebs_fixture_objects_are_named_as_the_4_4_guide_names_them(addons):
    """resources.txt has no OpenEBS (its subcharts are not stored); the 4.4.x installation guide lists the pods
    and StorageClasses of a default install, so Deployments must be named as those pods' owners."""
    guide = upstream_data.read_text(upstream_data.upstream_path(
        'openebs', 'website-docs', 'version-4.4.x', 'quickstart-guide', 'installation.md'))
    everything = render(addons.lab.helm_path, 'openebs', 'openebs', 'openebs')
    unverified = {('Deployment', 'openebs', 'openebs-minio'): 'MinIO of the 4.3+ log stack: not in the 4.4 guide',
                  ('Deployment', 'openebs', 'openebs-alloy'): 'Alloy of the 4.3+ log stack: not in the 4.4 guide'}
    for kind, _namespace, name in sorted(everything - set(unverified)):
        if kind == 'Deployment':
            assert '\n%s-' % name in guide, name + ' is not a workload of a default 4.4 install'
        elif kind == 'StatefulSet':
            assert '\n%s-0 ' % name in guide, name
        elif kind == 'StorageClass':
            assert '\n%s ' % name in guide, name
        else:
            assert (kind, name.split('.', 1)[1]) == ('CustomResourceDefinition', 'snapshot.storage.k8s.io'), name
    assert set(unverified) <= everything
