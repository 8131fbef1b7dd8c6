"""local_path_provisioner role on the lab control plane (upstream manifest from the role's template)."""
import json

import pytest

pytestmark = pytest.mark.k8s

PATH_MAP = [{'node': 'DEFAULT_PATH_FOR_NON_LISTED_NODES', 'paths': ['/opt/local-path-provisioner']},
            {'node': 'kwok-node-0', 'paths': ['/srv/fast-disk']}]


def test_local_path_converges_with_the_node_path_map(addons):
    addons.converge(['local_path_provisioner'], {'local_path_provisioner_node_path_map': PATH_MAP})

    lab = addons.lab
    storage_class = lab.kubectl_json('get', 'storageclass', 'local-path')
    assert storage_class['provisioner'] == 'rancher.io/local-path'
    assert storage_class['volumeBindingMode'] == 'WaitForFirstConsumer'
    assert storage_class['metadata']['annotations']['storageclass.kubernetes.io/is-default-class'] == 'false'
    config = lab.kubectl_json('get', 'configmap', '-n', 'local-path-storage', 'local-path-config')
    assert json.loads(config['data']['config.json']) == {'nodePathMap': PATH_MAP}
    deployment = lab.kubectl_json('get', 'deployment', '-n', 'local-path-storage', 'local-path-provisioner')
    assert deployment['status'].get('availableReplicas') == 1
    assert deployment['spec']['template']['spec']['containers'][0]['image'] == 'docker.io/rancher/local-path-provisioner:v0.0.37'
