"""dockerBuild's Deploy stage against the lab's real kube-apiserver.

The pipeline runs under the Groovy JenkinsTestDouble (tests/groovy/run_pipeline.groovy) with the lab's real kubectl:
the example monorepo's frontend on branch staging is built (BuildKit test double), pushed (test double) and its
k8s/*.yml, with the image substituted, server-side applied to namespace staging of the lab control plane.
"""
import json
import os

import pytest
import yaml

from tests.unit.jenkins import groovy_runner

pytestmark = pytest.mark.k8s

REGISTRY = 'registry.lab.invalid:5000'
NAMESPACE = 'staging'


@pytest.fixture(name='staging', scope='module')
def staging_namespace(lab_k8s):
    """Namespace staging (the example's default for branch staging) with the agent's service account; removed afterwards."""
    lab_k8s.kubectl('create', 'namespace', NAMESPACE)
    try:
        lab_k8s.kubectl('create', 'serviceaccount', 'jenkins-deployer', '-n', NAMESPACE)
        yield lab_k8s
    finally:
        lab_k8s.kubectl('delete', 'namespace', NAMESPACE, '--wait=false', check=False)


def build(lab_k8s, tmp_path, number, jenkinsfile=None):
    """One build of frontend on staging; its summary (result, stages, builds, kubectl commands, pod YAML, log)."""
    out = tmp_path / f'build-{number}-{len(list(tmp_path.iterdir()))}.json'
    extra = ['--jenkinsfile', jenkinsfile] if jenkinsfile else []
    result = groovy_runner.groovy_script(
        os.path.join('tests', 'groovy', 'run_pipeline.groovy'), '--service', 'frontend', '--branch', 'staging',
        '--build-number', str(number), '--registry', REGISTRY, '--kubectl', lab_k8s.kubectl_path,
        '--kubeconfig', lab_k8s.kubeconfig, '--out', str(out), *extra, timeout=600)
    assert result.returncode == 0 and out.exists(), f'run_pipeline.groovy failed:\n{result.stdout}{result.stderr}'
    summary = json.loads(out.read_text())
    assert summary['result'] == 'SUCCESS', f"build {number} failed: {summary['failure']}\n{summary['log']}"
    return summary


def deployment(lab_k8s):
    return lab_k8s.kubectl_json('get', 'deployment', 'frontend', '-n', NAMESPACE, '--show-managed-fields')


def applied_by_pipeline(obj):
    return [entry for entry in obj['metadata'].get('managedFields', []) if entry['manager'] == 'dockerbuild']


def test_deploy_sets_the_image_and_the_same_build_again_changes_nothing(staging, tmp_path):
    summary = build(staging, tmp_path, 7)
    assert summary['stages'] == ['Changes', 'Build', 'Push', 'Deploy']
    assert summary['builds'] == [{'image': f'{REGISTRY}/frontend:v_7', 'push': False, 'context': 'frontend'},
                                 {'image': f'{REGISTRY}/frontend:v_7', 'push': True, 'context': None}]
    assert len(summary['kubectl']) == 1 and '--server-side' in summary['kubectl'][0]
    first = deployment(staging)
    assert [c['image'] for c in first['spec']['template']['spec']['containers']] == [f'{REGISTRY}/frontend:v_7']
    managed = applied_by_pipeline(first)
    assert len(managed) == 1 and managed[0]['operation'] == 'Apply'
    service = staging.kubectl_json('get', 'service', 'frontend', '-n', NAMESPACE, '--show-managed-fields')
    assert applied_by_pipeline(service) and service['spec']['ports'][0]['port'] == 80

    build(staging, tmp_path, 7)
    again = deployment(staging)
    assert again['metadata']['generation'] == first['metadata']['generation']
    assert applied_by_pipeline(again) == managed
    assert staging.kubectl_json('get', 'service', 'frontend', '-n', NAMESPACE)['metadata']['resourceVersion'] == \
        service['metadata']['resourceVersion']

    build(staging, tmp_path, 8)
    newer = deployment(staging)
    assert [c['image'] for c in newer['spec']['template']['spec']['containers']] == [f'{REGISTRY}/frontend:v_8']
    assert newer['metadata']['generation'] == first['metadata']['generation'] + 1


@pytest.mark.parametrize('jenkinsfile', [None, "dockerBuild(service: 'frontend', agent: [builder: 'buildkit'])",
                                         "dockerBuild(service: 'frontend', agent: [builder: 'docker', allowPrivilegedDockerSocket: true])"],
                         ids=['kaniko', 'buildkit', 'docker-opt-in'])
def test_agent_pod_is_a_valid_pod_for_the_api_server(staging, tmp_path, jenkinsfile):
    """The pod the step asks the Kubernetes plugin for passes the real API server's strict field validation."""
    summary = build(staging, tmp_path, 3, jenkinsfile=jenkinsfile)
    pod = yaml.safe_load(summary['podYaml'])
    pod['metadata']['name'] = 'dockerbuild-agent'
    result = staging.kubectl('create', '--dry-run=server', '--validate=strict', '-n', NAMESPACE, '-o', 'json', '-f', '-',
                             stdin=json.dumps(pod), check=False)
    assert result.returncode == 0, f'the API server refused the agent pod: {result.stderr}'
    created = json.loads(result.stdout)
    containers = {c['name']: c for c in created['spec']['containers']}
    if jenkinsfile is None:
        assert sorted(containers) == ['crane', 'kaniko', 'kubectl']
        assert not any(c.get('securityContext', {}).get('privileged') for c in containers.values())
        assert 'Unconfined' not in json.dumps(created)
        assert not [v for v in created['spec']['volumes'] if 'hostPath' in v]
    elif 'buildkit' in jenkinsfile:
        assert sorted(containers) == ['buildkit', 'kubectl']
        assert not any(c.get('securityContext', {}).get('privileged') for c in containers.values())
        assert containers['buildkit']['securityContext']['appArmorProfile'] == {'type': 'Unconfined'}
        assert not [v for v in created['spec']['volumes'] if 'hostPath' in v]
    else:
        assert sorted(containers) == ['docker', 'kubectl'] and containers['docker']['securityContext']['privileged'] is True
        assert [v['hostPath']['path'] for v in created['spec']['volumes'] if 'hostPath' in v] == ['/var/run/docker.sock']
