"""k8s_objects_info against the lab's real kube-apiserver: named objects, lists, kinds not served, the version."""
import pytest

from tests import helpers

pytestmark = pytest.mark.k8s


def read(lab, **args):
    return helpers.run_module('k8s_objects_info', dict(args, kubeconfig=lab.kubeconfig), env=helpers.without_k8s_auth())


def test_reads_objects_lists_and_the_version_in_one_run(lab_k8s):
    lab_k8s.kubectl('create', 'namespace', 'oinfo', check=False)
    lab_k8s.kubectl('create', 'configmap', 'one', '-n', 'oinfo', '--from-literal=a=b', check=False)
    lab_k8s.kubectl('label', '--overwrite', 'configmap', 'one', '-n', 'oinfo', 'app=x')
    try:
        result = read(lab_k8s, server_version=True, objects=[
            {'api_version': 'v1', 'kind': 'ConfigMap', 'namespace': 'oinfo', 'name': 'one'},
            {'api_version': 'v1', 'kind': 'ConfigMap', 'namespace': 'oinfo', 'name': 'missing'},
            {'api_version': 'v1', 'kind': 'ConfigMap', 'namespace': 'oinfo', 'label_selectors': ['app=x']},
            {'api_version': 'v1', 'kind': 'ConfigMap', 'namespace': 'oinfo', 'label_selectors': ['app=y']},
            {'api_version': 'v1', 'kind': 'Node'},
            {'api_version': 'example.invalid/v1', 'kind': 'Nothing', 'name': 'x'},
            {'api_version': 'example.invalid/v1', 'kind': 'Nothing'},
        ])
    finally:
        lab_k8s.kubectl('delete', 'namespace', 'oinfo', '--wait=false', check=False)
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    version = result['kubernetes_version']
    served = lab_k8s.kubectl_json('version')['serverVersion']['gitVersion']
    assert version['git_version'] == served and version['major'] == 1 and version['minor'] == int(served.split('.')[1])
    one, missing, labelled, unlabelled, nodes, unknown_named, unknown_list = result['objects']
    assert one['exists'] is True and one['object']['data'] == {'a': 'b'} and 'managedFields' not in one['object']['metadata']
    assert missing == {'api_version': 'v1', 'kind': 'ConfigMap', 'namespace': 'oinfo', 'name': 'missing', 'exists': False,
                       'object': None}
    assert [item['metadata']['name'] for item in labelled['items']] == ['one']
    assert all('managedFields' not in item['metadata'] for item in labelled['items'])
    assert unlabelled['exists'] is True and unlabelled['items'] == []
    assert len(nodes['items']) == 3 and all(item['kind'] == 'Node' or 'metadata' in item for item in nodes['items'])
    assert unknown_named['exists'] is False and unknown_named['object'] is None
    assert unknown_list['exists'] is False and unknown_list['items'] == []
