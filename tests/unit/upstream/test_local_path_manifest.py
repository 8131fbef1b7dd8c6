"""The local_path_provisioner role applies upstream's deploy/local-path-storage.yaml of the pinned release.

The role's template must render the same objects, field for field, except the differences listed here
(each is a role variable upstream hardcodes).
"""
import copy
import json

import pytest
import yaml

from upstream_data import evaluate, load_yaml_all, role_defaults, template_expr, upstream_path

CASES = [{'name': 'defaults', 'role': 'local_path_provisioner', 'exprs': {'objects': template_expr('local-path-storage.yaml.j2')}}]


@pytest.fixture(scope='module', name='pair')
def pair_fixture(tmp_path_factory):
    version = role_defaults('local_path_provisioner')['local_path_provisioner_version']
    upstream = load_yaml_all(upstream_path('local-path-provisioner', version, 'deploy', 'local-path-storage.yaml'))
    role = evaluate(str(tmp_path_factory.mktemp('local_path')), CASES)['defaults']['objects']
    return upstream, role


def by_name(documents):
    return {(doc['kind'], doc['metadata']['name']): doc for doc in documents}


def normalise(doc):
    """Upstream's object with the role's documented differences applied."""
    doc = copy.deepcopy(doc)
    if doc['kind'] == 'StorageClass':
        # The role states the default flag (local_path_provisioner_default_class), upstream leaves it out.
        doc['metadata'].setdefault('annotations', {})['storageclass.kubernetes.io/is-default-class'] = 'false'
    if doc['kind'] == 'ConfigMap':
        doc['data']['config.json'] = json.loads(doc['data']['config.json'])
        helper = yaml.safe_load(doc['data']['helperPod.yaml'])
        # The helper image carries a tag (local_path_provisioner_helper_image); upstream's has none.
        helper['spec']['containers'][0]['image'] = role_defaults('local_path_provisioner')['local_path_provisioner_helper_image']
        doc['data']['helperPod.yaml'] = helper
    return doc


def parse_config(doc):
    if doc['kind'] == 'ConfigMap':
        doc = copy.deepcopy(doc)
        doc['data']['config.json'] = json.loads(doc['data']['config.json'])
        doc['data']['helperPod.yaml'] = yaml.safe_load(doc['data']['helperPod.yaml'])
    return doc


def test_same_objects_as_upstream(pair):
    upstream, role = pair
    assert sorted(by_name(upstream)) == sorted(by_name(role))


def test_each_object_equals_upstream_but_for_the_role_variables(pair):
    upstream, role = pair
    mine = by_name(role)
    for key, doc in by_name(upstream).items():
        assert parse_config(mine[key]) == normalise(doc), key


def test_provisioner_image_is_upstreams(pair):
    upstream, role = pair
    image = [doc for doc in role if doc['kind'] == 'Deployment'][0]['spec']['template']['spec']['containers'][0]['image']
    assert image == 'docker.io/rancher/local-path-provisioner:' + role_defaults('local_path_provisioner')['local_path_provisioner_version']
    assert image in yaml.safe_dump(upstream)
