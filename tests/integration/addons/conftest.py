"""Runs playbooks/addons.yml against the lab control plane with local fixture charts.

Every add-on is switched off except the ones a test turns on; chart sources point at
tests/fixtures/charts (no network here) while every other role variable keeps its
upstream default or the example inventory's value.
"""
import os
import re

import pytest

from tests import helpers

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
CHARTS = os.path.join(REPO_ROOT, 'tests', 'fixtures', 'charts')
ADDONS = ('helm', 'metallb', 'openebs', 'local_path_provisioner', 'cert_manager', 'rancher', 'istio', 'service_topology')
TEST_TOKEN = 'lab-cloudflare-token-not-real'
TEST_PASSWORD = 'lab-bootstrap-password-0123'
RECAP = re.compile(r'^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)


class PlaybookRun:
    """Result of one ansible-playbook run."""

    def __init__(self, completed):
        self.returncode = completed.returncode
        self.output = completed.stdout + completed.stderr
        recap = RECAP.search(completed.stdout)
        self.changed = int(recap.group(2)) if recap else None
        self.failed = int(recap.group(4)) if recap else None

    def __repr__(self):
        return self.output


class AddonsRunner:
    """Runs the addons phase with chosen add-ons on against one lab control plane."""

    def __init__(self, lab):
        self.lab = lab

    def base_vars(self):
        """Extra vars every run gets: the lab's kubeconfig and helm, fixture charts, secrets for tests."""
        variables = {'platform_addons_' + name: False for name in ADDONS}
        variables.update({
            'platform_kubeconfig': self.lab.kubeconfig,
            'platform_helm_binary': self.lab.helm_path,
            'openebs_chart_ref': os.path.join(CHARTS, 'openebs'),
            'cert_manager_chart_ref': os.path.join(CHARTS, 'cert-manager'),
            'rancher_chart_ref': os.path.join(CHARTS, 'rancher'),
            'istio_base_chart_ref': os.path.join(CHARTS, 'istio-base'),
            'istio_istiod_chart_ref': os.path.join(CHARTS, 'istiod'),
            'istio_gateway_chart_ref': os.path.join(CHARTS, 'istio-gateway'),
            'cert_manager_cloudflare_api_token': TEST_TOKEN,
            'rancher_bootstrap_password': TEST_PASSWORD,
            'openebs_wait_timeout': '3m',
            'cert_manager_wait_timeout': '3m',
            'rancher_wait_timeout': '3m',
            'istio_wait_timeout': '3m',
        })
        return variables

    def run(self, addons, extra_vars=None, check_mode=False):
        """Run playbooks/addons.yml with the example inventory; ``addons`` are the switches turned on."""
        variables = self.base_vars()
        variables.update({'platform_addons_' + name: True for name in addons})
        variables.update(extra_vars or {})
        completed = helpers.run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'addons.yml'), *(['--check', '--diff'] if check_mode else []),
                                         inventory=os.path.join(REPO_ROOT, 'inventories', 'prod'), connection=None, interpreter=None,
                                         extra_vars=variables, env=self.lab.env, timeout=900)
        run = PlaybookRun(completed)
        assert TEST_TOKEN not in run.output and TEST_PASSWORD not in run.output, 'a secret was printed:\n' + run.output
        return run

    def default_classes(self):
        """Names of the StorageClasses marked default."""
        classes = self.lab.kubectl_json('get', 'storageclass')['items']
        return sorted(item['metadata']['name'] for item in classes
                      if (item['metadata'].get('annotations') or {}).get('storageclass.kubernetes.io/is-default-class') == 'true')

    def namespace_exists(self, name):
        """True when the namespace exists."""
        return self.lab.kubectl('get', 'namespace', name, check=False).returncode == 0

    def converge(self, addons, extra_vars=None):
        """Run twice: the first run must succeed, the second must succeed with changed=0."""
        first = self.run(addons, extra_vars)
        assert first.returncode == 0, first.output
        second = self.run(addons, extra_vars)
        assert second.returncode == 0, second.output
        assert second.changed == 0, 'second run is not idempotent:\n' + second.output
        return first, second


@pytest.fixture(scope='session')
def addons(lab_k8s):
    """An AddonsRunner on the session's lab control plane."""
    return AddonsRunner(lab_k8s)
