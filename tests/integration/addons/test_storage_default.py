"""OpenEBS and local-path together leave exactly one default StorageClass."""
import pytest

pytestmark = pytest.mark.k8s


def test_exactly_one_default_class_after_openebs_and_local_path(addons):
    run = addons.run(['openebs', 'local_path_provisioner'])

    assert run.returncode == 0, run.output
    assert addons.default_classes() == ['openebs-hostpath']
    classes = {item['metadata']['name'] for item in addons.lab.kubectl_json('get', 'storageclass')['items']}
    assert {'openebs-hostpath', 'local-path'} <= classes
