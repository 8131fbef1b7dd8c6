"""namespace_objects: the roles' namespaces as Namespace objects for one kubernetes.core.k8s call."""
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.baremetal.platform.plugins.filter.namespaces import namespace_objects


def test_one_object_per_distinct_name_in_the_order_given():
    assert namespace_objects(['istio-system', 'istio-ingress', 'istio-system']) == [
        {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'istio-system'}},
        {'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': 'istio-ingress'}},
    ]


def test_no_names_no_objects():
    assert namespace_objects([]) == []


@pytest.mark.parametrize('names', ['istio-system', None, {'name': 'a'}])
def test_anything_but_a_list_is_refused(names):
    with pytest.raises(AnsibleFilterError, match='list of namespace names'):
        namespace_objects(names)
