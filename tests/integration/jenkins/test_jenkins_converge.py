"""The cicd phase's jenkins role on the lab control plane (fixture chart, real Istio CRDs, real RBAC and Pod Security).

One module-scoped converge (and its second run, which must change nothing) serves every test here, to keep the file
quick: the Secrets and values hold no secret in the clear, the agent pod templates the chart rendered go through a
server-side dry run under Pod Security, and the deployer ServiceAccount reaches only its deploy namespaces.
"""
import base64
import json
import os
import re
import sys

import pytest
import yaml

from tests import helpers

pytestmark = pytest.mark.k8s

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
CHART = os.path.join(REPO_ROOT, 'tests', 'fixtures', 'charts', 'jenkins')
ADMIN_PASSWORD = 'jenkins-admin-password-01'
PUSH_PASSWORD = 'jenkins-push-password-02'
WEBHOOK = 'https://discord.com/api/webhooks/123/secret-webhook-token-03'
GIT_TOKEN = 'git-token-value-04'
SECRETS = (ADMIN_PASSWORD, PUSH_PASSWORD, WEBHOOK, 'secret-webhook-token-03', GIT_TOKEN)
RECAP = re.compile(r'^localhost\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)
AGENTS = 'jk-agents'
DEPLOY = ['jk-production', 'jk-staging']
BASELINE = 'jk-baseline'
SERVICE_ACCOUNT = 'system:serviceaccount:%s:jenkins-deployer' % AGENTS


def settings(**extra):
    variables = {
        'platform_cicd_registry': False, 'platform_domain': 'lab.example.test', 'jenkins_chart_ref': CHART,
        'jenkins_admin_password': ADMIN_PASSWORD, 'jenkins_registry_password': PUSH_PASSWORD,
        'jenkins_discord_webhook_url': WEBHOOK, 'jenkins_git_username': 'ci', 'jenkins_git_password': GIT_TOKEN,
        'jenkins_monorepo_url': 'https://git.lab.example.test/shop/monorepo.git',
        'jenkins_monorepo_services': ['frontend', 'backend'], 'jenkins_agent_namespace': AGENTS,
        'jenkins_branches': {'staging': {'push': True, 'deploy': True, 'namespace': 'jk-staging'},
                             'main': {'push': True, 'deploy': True, 'namespace': 'jk-production'},
                             'feature': {'push': False, 'deploy': False}},
        # kwok's nodes have no storage provisioner: a claim would never bind, and helm --wait waits for it.
        'jenkins_persistence_enabled': False, 'jenkins_wait_timeout': 120,
        'ansible_python_interpreter': sys.executable,
    }
    variables.update(extra)
    return variables


def run_cicd(lab, variables):
    variables = dict(variables, platform_kubeconfig=lab.kubeconfig, platform_helm_binary=lab.helm_path)
    completed = helpers.run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'cicd.yml'), extra_vars=variables, env=lab.env)
    output = completed.stdout + completed.stderr
    for secret in SECRETS:
        assert secret not in output, 'a secret was printed:\n' + output
    return completed.returncode, output


def changed(output):
    return int(RECAP.search(output).group(2))


def cleanup(lab):
    lab.helm('uninstall', 'jenkins', '-n', 'jenkins', check=False)
    for namespace in ['jenkins', AGENTS, BASELINE] + DEPLOY:
        lab.kubectl('delete', 'namespace', namespace, '--wait=false', check=False)


@pytest.fixture(scope='module', name='converged')
def converged_fixture(lab_k8s):
    """The role run twice with the opt-in off; yields (lab, first run's output, second run's output)."""
    lab_k8s.load_crds('istio')
    try:
        code, first = run_cicd(lab_k8s, settings())
        assert code == 0, first
        code, second = run_cicd(lab_k8s, settings())
        assert code == 0, second
        yield lab_k8s, first, second
    finally:
        cleanup(lab_k8s)


def jcasc(lab, name):
    data = lab.kubectl_json('get', 'configmap', '-n', 'jenkins', name)['data']
    return yaml.safe_load(next(iter(data.values())))


def templates(lab):
    cloud = jcasc(lab, 'jenkins-jenkins-jcasc-config')['jenkins']['clouds'][0]['kubernetes']
    return cloud, {template['name']: template for template in cloud['templates']}


def dry_run(lab, namespace, template):
    pod = yaml.safe_load(template['yaml'])
    pod['metadata'].update({'name': 'dry-run-' + template['name'], 'namespace': namespace})
    return lab.kubectl('apply', '--dry-run=server', '-f', '-', stdin=json.dumps(pod), check=False)


def can(lab, verb, resource, namespace, user=SERVICE_ACCOUNT):
    result = lab.kubectl('auth', 'can-i', verb, resource, '-n', namespace, '--as', user, check=False)
    return result.stdout.strip() == 'yes'


BAD = {
    'jenkins_admin_password': 'short',
    'jenkins_hostname': 'Jenkins_Lab',
    'jenkins_discord_webhook_url': 'http://discord.com/api/webhooks/1/x',
    'jenkins_branches': {'staging': {'push': True, 'deploy': True, 'namespace': 'jk-staging', 'namepsace': 'x'}},
    'jenkins_agent_builder': 'podman',
}


def test_bad_input_fails_before_any_write(lab_k8s):
    code, output = run_cicd(lab_k8s, settings(**BAD))
    assert code != 0
    for text in ('jenkins_admin_password=(5 characters): the Jenkins admin needs a password of 12 or more characters',
                 'jenkins_hostname="Jenkins_Lab": not a DNS name', 'the Discord webhook is not an https:// URL',
                 'jenkins_branches.staging=', "unknown key(s) namepsace",
                 'jenkins_agent_builder="podman": no such builder in the dockerBuild library'):
        assert text in output, text + ' not in:\n' + output
    assert 'http://discord.com' not in output
    for namespace in ['jenkins', AGENTS] + DEPLOY:
        assert lab_k8s.kubectl('get', 'namespace', namespace, check=False).returncode != 0, namespace + ' was created'


def test_the_role_converges_and_the_second_run_changes_nothing(converged):
    lab, first, second = converged
    assert changed(first) > 0, first
    assert changed(second) == 0, 'second run is not idempotent:\n' + second
    statefulset = lab.kubectl_json('get', 'statefulset', '-n', 'jenkins', 'jenkins')
    assert statefulset['metadata']['generation'] == 1, 'the second run rolled the controller'
    plugins = statefulset['spec']['template']['metadata']['annotations']['fixture/plugins'].split(',')
    assert {pin.split(':')[0] for pin in plugins} >= {
        'kubernetes', 'workflow-aggregator', 'git', 'configuration-as-code', 'discord-notifier', 'credentials-binding',
        'pipeline-groovy-lib', 'job-dsl'}
    assert all(':' in pin and not pin.endswith(':latest') for pin in plugins)


def test_secrets_are_in_kubernetes_secrets_and_never_in_the_values(converged):
    lab, _first, _second = converged
    assert lab.secret_data('jenkins', 'jenkins-admin') == {'jenkins-admin-user': 'admin', 'jenkins-admin-password': ADMIN_PASSWORD}
    assert lab.secret_data('jenkins', 'jenkins-credentials') == {
        'registry-username': 'jenkins', 'registry-password': PUSH_PASSWORD, 'discord-webhook': WEBHOOK,
        'git-username': 'ci', 'git-password': GIT_TOKEN}
    push = lab.kubectl_json('get', 'secret', '-n', AGENTS, 'registry-push')
    assert push['type'] == 'kubernetes.io/dockerconfigjson'
    auths = json.loads(base64.b64decode(push['data']['.dockerconfigjson']))['auths']
    assert auths['registry.lab.example.test']['username'] == 'jenkins'
    assert base64.b64decode(auths['registry.lab.example.test']['auth']).decode() == 'jenkins:' + PUSH_PASSWORD
    values = lab.helm('get', 'values', 'jenkins', '-n', 'jenkins', '-o', 'json').stdout
    for secret in SECRETS:
        assert secret not in values
    assert json.loads(values)['controller']['admin'] == {
        'createSecret': False, 'existingSecret': 'jenkins-admin', 'userKey': 'jenkins-admin-user',
        'passwordKey': 'jenkins-admin-password'}
    credentials = jcasc(lab, 'jenkins-jenkins-config-dockerbuild-credentials')
    ids = {next(iter(entry.values()))['id']: next(iter(entry.values()))
           for entry in credentials['credentials']['system']['domainCredentials'][0]['credentials']}
    assert sorted(ids) == ['discord-webhook', 'git', 'registry-push']
    assert ids['discord-webhook']['secret'] == '${jenkins-credentials-discord-webhook}'
    # The chart projects each of them where JCasC reads ${<secret>-<key>}.
    volume = lab.kubectl_json('get', 'statefulset', '-n', 'jenkins', 'jenkins')['spec']['template']['spec']['volumes'][0]
    paths = [item['path'] for source in volume['projected']['sources'] for item in source['secret']['items']]
    assert 'jenkins-credentials-discord-webhook' in paths and 'chart-admin-password' in paths


def test_jcasc_declares_the_library_the_jobs_and_the_registry(converged):
    lab, _first, _second = converged
    library = jcasc(lab, 'jenkins-jenkins-config-dockerbuild-library')['unclassified']['globalLibraries']['libraries'][0]
    assert library['name'] == 'baremetal-pipeline' and library['implicit'] is True
    assert library['retriever']['modernSCM'] == {'libraryPath': 'jenkins/', 'scm': {'git': {
        'remote': 'https://git.lab.example.test/shop/monorepo.git', 'credentialsId': 'git'}}}
    script = jcasc(lab, 'jenkins-jenkins-config-dockerbuild-jobs')['jobs'][0]['script']
    assert "multibranchPipelineJob('monorepo/frontend')" in script and "scriptPath('backend/Jenkinsfile')" in script
    environment = jcasc(lab, 'jenkins-jenkins-config-dockerbuild-environment')
    assert environment['jenkins']['globalNodeProperties'][0]['envVars']['env'] == [
        {'key': 'DOCKER_REGISTRY', 'value': 'registry.lab.example.test'}]
    route = lab.kubectl_json('get', 'virtualservice.networking.istio.io', '-n', 'jenkins', 'jenkins')
    assert route['spec']['hosts'] == ['jenkins.lab.example.test']
    assert route['spec']['gateways'] == ['istio-ingress/default-gateway']
    assert route['spec']['http'][0]['route'][0]['destination'] == {
        'host': 'jenkins.jenkins.svc.cluster.local', 'port': {'number': 8080}}


def test_agent_templates_under_pod_security(converged):
    """The default template (Kaniko builds, crane pushes) has no docker.sock, no privileged container and no Unconfined
    profile: it passes a server-side dry run in the role's agent namespace, which enforces Pod Security baseline."""
    lab, _first, _second = converged
    cloud, by_name = templates(lab)
    assert cloud['namespace'] == AGENTS and sorted(by_name) == ['kaniko']
    assert 'dockerbuild' in by_name['kaniko']['label'].split()
    pod = yaml.safe_load(by_name['kaniko']['yaml'])
    assert pod['spec']['serviceAccountName'] == 'jenkins-deployer'
    assert [c['name'] for c in pod['spec']['containers']] == ['kaniko', 'crane', 'kubectl']
    assert all('hostPath' not in volume for volume in pod['spec']['volumes'])
    assert all(not container['securityContext'].get('privileged') for container in pod['spec']['containers'])

    labels = lab.kubectl_json('get', 'namespace', AGENTS)['metadata']['labels']
    assert labels['pod-security.kubernetes.io/enforce'] == 'baseline'
    result = dry_run(lab, AGENTS, by_name['kaniko'])
    assert result.returncode == 0, result.stderr
    assert 'violate' not in result.stderr, 'the default agent pod is beyond baseline: ' + result.stderr


def baseline_namespace(lab):
    """A namespace enforcing baseline, apart from the role's, to dry-run the templates a stricter agent namespace refuses."""
    lab.kubectl('create', 'namespace', BASELINE, check=False)
    lab.kubectl('label', '--overwrite', 'namespace', BASELINE, 'pod-security.kubernetes.io/enforce=baseline')
    lab.kubectl('create', 'serviceaccount', 'jenkins-deployer', '-n', BASELINE, check=False)
    return BASELINE


def test_buildkit_needs_privileged_and_baseline_refuses_it(converged):
    lab, _first, _second = converged
    code, output = run_cicd(lab, settings(jenkins_agent_builder='buildkit'))
    assert code != 0
    assert 'jenkins_agent_pod_security="baseline": the agent namespace would refuse every buildkit agent pod' in output, output
    assert 'set jenkins_agent_pod_security: privileged' in output
    assert sorted(templates(lab)[1]) == ['kaniko'], 'the refused run changed the templates'
    try:
        code, output = run_cicd(lab, settings(jenkins_agent_builder='buildkit', jenkins_agent_pod_security='privileged'))
        assert code == 0, output
        _cloud, by_name = templates(lab)
        assert sorted(by_name) == ['buildkit']
        assert lab.kubectl_json('get', 'namespace', AGENTS)['metadata']['labels']['pod-security.kubernetes.io/enforce'] == 'privileged'
        allowed = dry_run(lab, AGENTS, by_name['buildkit'])
        assert allowed.returncode == 0, allowed.stderr
        assert 'Unconfined' in allowed.stderr, 'the baseline warning is missing: ' + allowed.stderr
        refused = dry_run(lab, baseline_namespace(lab), by_name['buildkit'])
        assert refused.returncode != 0
        assert 'violates PodSecurity "baseline' in refused.stderr and 'Unconfined' in refused.stderr, refused.stderr
        assert 'privileged' not in refused.stderr.replace('PodSecurity', '') and 'hostPath' not in refused.stderr
    finally:
        code, output = run_cicd(lab, settings())
        assert code == 0, output


def test_the_privileged_opt_in_warns_and_is_refused_under_baseline(converged):
    lab, _first, _second = converged
    code, output = run_cicd(lab, settings(jenkins_agent_allow_privileged_docker_socket=True))
    assert code != 0
    assert 'the agent namespace would refuse every docker agent pod' in output, output
    try:
        code, output = run_cicd(lab, settings(jenkins_agent_allow_privileged_docker_socket=True,
                                              jenkins_agent_pod_security='privileged'))
        assert code == 0, output
        assert 'WARNING: jenkins_agent_allow_privileged_docker_socket is true' in output
        _cloud, by_name = templates(lab)
        assert sorted(by_name) == ['docker', 'kaniko']
        docker = yaml.safe_load(by_name['docker']['yaml'])
        assert {'path': '/var/run/docker.sock', 'type': 'Socket'} in [v.get('hostPath') for v in docker['spec']['volumes']]
        refused = dry_run(lab, baseline_namespace(lab), by_name['docker'])
        assert refused.returncode != 0
        assert 'privileged (container "docker" must not set securityContext.privileged=true)' in refused.stderr, refused.stderr
        assert 'hostPath volumes (volume "docker-sock")' in refused.stderr, refused.stderr
    finally:
        code, output = run_cicd(lab, settings())
        assert code == 0, output


def test_the_deployer_reaches_only_its_deploy_namespaces(converged):
    lab, _first, _second = converged
    for namespace in DEPLOY:
        assert can(lab, 'patch', 'deployments.apps', namespace)
        assert can(lab, 'create', 'services', namespace)
        assert not can(lab, 'get', 'secrets', namespace)
        assert not can(lab, 'create', 'rolebindings.rbac.authorization.k8s.io', namespace)
    for namespace in ('kube-system', 'default', 'jenkins'):
        assert not can(lab, 'patch', 'deployments.apps', namespace)
        assert not can(lab, 'get', 'pods', namespace)
    assert not can(lab, 'patch', 'deployments.apps', 'jk-staging', user='system:serviceaccount:%s:default' % AGENTS)
    # The controller starts its agents in the agent namespace, and nowhere else.
    controller = 'system:serviceaccount:jenkins:jenkins'
    assert can(lab, 'create', 'pods', AGENTS, user=controller)
    assert not can(lab, 'create', 'pods', 'kube-system', user=controller)
