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
