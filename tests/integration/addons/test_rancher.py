"""rancher role on the lab control plane (fixture chart standing in for rancher-stable/rancher)."""
import pytest

from .conftest import TEST_PASSWORD

pytestmark = pytest.mark.k8s


def test_rancher_converges_with_hostname_password_and_tls_source(addons):
    addons.converge(['rancher'], {'rancher_tls_source': 'rancher'})

    lab = addons.lab
    ingress = lab.kubectl_json('get', 'ingress', '-n', 'cattle-system', 'rancher')
    assert ingress['spec']['rules'][0]['host'] == 'rancher.example.com'
    assert lab.secret_data('cattle-system', 'bootstrap-secret') == {'bootstrapPassword': TEST_PASSWORD}
    deployment = lab.kubectl_json('get', 'deployment', '-n', 'cattle-system', 'rancher')
    assert deployment['spec']['replicas'] == 3
    assert deployment['metadata']['annotations']['fixture/agent-tls-mode'] == 'strict'


def test_rancher_2_12_on_rke1_fails_before_any_write(addons):
    run = addons.run(['rancher'], {'platform_engine': 'rke1', 'rancher_namespace': 'cattle-system-rke1'})

    assert run.returncode != 0
    assert 'does not support RKE1' in run.output and 'pin rancher_chart_version to a 2.11.x release' in ' '.join(run.output.split()), run.output
    assert not addons.namespace_exists('cattle-system-rke1')


def test_check_mode_writes_nothing(addons):
    run = addons.run(['rancher'], {'rancher_namespace': 'cattle-system-check'}, check_mode=True)

    assert run.returncode == 0, run.output
    assert run.changed > 0, 'check mode must report what it would change:\n' + run.output
    assert not addons.namespace_exists('cattle-system-check')


def test_rancher_too_old_for_the_clusters_kubernetes_fails_before_any_write(addons):
    """The role reads the version from the API server (the lab's) and refuses a chart whose kubeVersion excludes it."""
    run = addons.run(['rancher'], {'rancher_chart_version': '2.13.8', 'rancher_namespace': 'cattle-system-old'})

    text = ' '.join(run.output.split())
    assert run.returncode != 0
    assert "Rancher 2.13.8 does not support the cluster's Kubernetes %s" % addons.lab.version in text, run.output
    assert 'Nearest supported choice: rancher_chart_version 2.15.0' in text, run.output
    assert not addons.namespace_exists('cattle-system-old')
