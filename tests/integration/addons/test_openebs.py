"""openebs role on the lab control plane (fixture chart standing in for openebs/openebs 4.x)."""
import pytest

pytestmark = pytest.mark.k8s


def test_openebs_converges_hostpath_only_and_takes_the_default(addons):
    lab = addons.lab
    lab.apply({'apiVersion': 'storage.k8s.io/v1', 'kind': 'StorageClass', 'provisioner': 'example.com/other',
               'metadata': {'name': 'previous-default', 'annotations': {'storageclass.kubernetes.io/is-default-class': 'true'}}})

    first, _second = addons.converge(['openebs'])

    assert 'Removed the default annotation from StorageClass(es) previous-default' in first.output
    assert addons.default_classes() == ['openebs-hostpath']
    release = lab.helm('list', '-n', 'openebs', '-o', 'json')
    assert '"chart":"openebs-4.4.0"' in release.stdout
    deployments = {item['metadata']['name'] for item in lab.kubectl_json('get', 'deployment', '-n', 'openebs')['items']}
    assert deployments == {'openebs-localpv-provisioner'}, 'only the hostpath engine must be installed: %s' % deployments
    hostpath = lab.kubectl_json('get', 'storageclass', 'openebs-hostpath')
    assert '/var/openebs/local' in hostpath['metadata']['annotations']['cas.openebs.io/config']


def test_legacy_jiva_pin_without_iscsi_fails_before_any_write(addons):
    run = addons.run(['openebs'], {'openebs_chart_version': '3.10.0', 'openebs_namespace': 'openebs-legacy', 'node_iscsi_enabled': False})

    assert run.returncode != 0
    assert 'installs the legacy Jiva engine' in run.output and 'node_iscsi_enabled is not true for' in run.output, run.output
    assert not addons.namespace_exists('openebs-legacy')
