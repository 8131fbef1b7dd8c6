"""The jenkins role's chart values and JCasC, computed as the role computes them (defaults + settings + vars/main.yml).

The library is declared, the cloud's templates exist and are the library's own agent pods (Agent.podYaml under
Groovy), no docker.sock hostPath or privileged container without the opt-in, and no secret in the plain values.
"""
import json
import os
import sys

import pytest
import yaml

from tests.unit.jenkins import groovy_runner

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), 'upstream'))
from upstream_data import evaluate, role_defaults  # noqa: E402  pylint: disable=wrong-import-position

SECRETS = {'jenkins_admin_password': 'admin-password-value-1', 'jenkins_registry_password': 'push-password-value-2',
           'jenkins_discord_webhook_url': 'https://discord.com/api/webhooks/1/webhook-token-value-3',
           'jenkins_git_username': 'ci', 'jenkins_git_password': 'git-token-value-4'}
MONOREPO = {'jenkins_monorepo_url': 'https://git.example.com/shop/monorepo.git', 'jenkins_monorepo_services': ['frontend', 'backend']}
EXPRS = {'values': '_jenkins_values', 'namespaces': '_jenkins_deploy_namespaces'}
CASES = [
    {'name': 'defaults', 'role': 'jenkins', 'vars': {'platform_domain': 'example.com'}, 'exprs': EXPRS},
    {'name': 'monorepo', 'role': 'jenkins', 'vars': dict(SECRETS, platform_domain='example.com', **MONOREPO), 'exprs': EXPRS},
    {'name': 'opt_in', 'role': 'jenkins', 'exprs': EXPRS,
     'vars': dict(SECRETS, platform_domain='example.com', jenkins_agent_allow_privileged_docker_socket=True, **MONOREPO)},
    {'name': 'buildkit', 'role': 'jenkins', 'exprs': EXPRS,
     'vars': dict(platform_domain='example.com', jenkins_agent_builder='buildkit', jenkins_agent_pod_security='privileged')},
    {'name': 'docker_builder', 'role': 'jenkins', 'exprs': EXPRS,
     'vars': dict(platform_domain='example.com', jenkins_agent_builder='docker', jenkins_agent_allow_privileged_docker_socket=True)},
    {'name': 'qa_branch', 'role': 'jenkins', 'exprs': EXPRS,
     'vars': {'platform_domain': 'example.com', 'jenkins_branches': {
         'qa': {'push': True, 'deploy': True, 'namespace': 'qa'}, 'feature': {'push': False, 'deploy': False},
         'release': {'push': True, 'deploy': False}}}},
]


@pytest.fixture(scope='module', name='computed')
def computed_fixture(tmp_path_factory):
    return evaluate(str(tmp_path_factory.mktemp('jenkins')), CASES)


def templates(values):
    found = {}
    for text in values['agent']['podTemplates'].values():
        for template in yaml.safe_load(text):
            found[template['name']] = dict(template, pod=yaml.safe_load(template['yaml']))
    return found


def jcasc(values, name):
    return yaml.safe_load(values['controller']['JCasC']['configScripts'][name])


def test_the_library_is_declared_from_the_monorepo(computed):
    values = computed['monorepo']['values']
    library = jcasc(values, 'dockerbuild-library')['unclassified']['globalLibraries']['libraries']
    assert library == [{'name': 'baremetal-pipeline', 'defaultVersion': 'main', 'implicit': True, 'allowVersionOverride': True,
                        'retriever': {'modernSCM': {'libraryPath': 'jenkins/', 'scm': {'git': {
                            'remote': 'https://git.example.com/shop/monorepo.git', 'credentialsId': 'git'}}}}}]
    jobs = jcasc(values, 'dockerbuild-jobs')['jobs'][0]['script']
    assert jobs.count('multibranchPipelineJob(') == 2 and "scriptPath('frontend/Jenkinsfile')" in jobs
    assert "credentialsId('git')" in jobs
    env = jcasc(values, 'dockerbuild-environment')['jenkins']['globalNodeProperties'][0]['envVars']['env']
    assert env == [{'key': 'DOCKER_REGISTRY', 'value': 'registry.example.com'}]
    # Without a monorepo: neither a library nor jobs.
    assert sorted(computed['defaults']['values']['controller']['JCasC']['configScripts']) == [
        'dockerbuild-credentials', 'dockerbuild-environment']


def test_the_cloud_has_the_default_template_and_no_docker_sock(computed):
    values = computed['defaults']['values']
    assert values['agent']['namespace'] == 'jenkins-agents'
    assert values['controller']['JCasC']['defaultConfig'] is True, 'the chart writes the Kubernetes cloud only with defaultConfig'
    found = templates(values)
    assert sorted(found) == ['kaniko']
    template = found['kaniko']
    assert template['label'].split() == ['kaniko', 'dockerbuild']
    assert [c['name'] for c in template['pod']['spec']['containers']] == ['kaniko', 'crane', 'kubectl']
    assert template['namespace'] == 'jenkins-agents' and template['serviceAccount'] == 'jenkins-deployer'
    text = json.dumps(values)
    assert 'docker.sock' not in text and 'hostPath' not in text and '"privileged": true' not in text
    assert 'Unconfined' not in text, 'the default template must pass Pod Security baseline'


@pytest.mark.parametrize('case', ['opt_in', 'docker_builder'])
def test_the_docker_sock_template_exists_only_with_the_opt_in(computed, case):
    found = templates(computed[case]['values'])
    assert 'docker' in found
    pod = found['docker']['pod']
    assert pod['spec']['containers'][0]['securityContext'] == {'privileged': True}
    assert {'name': 'docker-sock', 'hostPath': {'path': '/var/run/docker.sock', 'type': 'Socket'}} in pod['spec']['volumes']
    assert sorted(found) == (['docker', 'kaniko'] if case == 'opt_in' else ['docker'])


@pytest.mark.parametrize('case', ['defaults', 'monorepo', 'opt_in'])
def test_no_secret_is_in_the_plain_values(computed, case):
    text = json.dumps(computed[case]['values'])
    for name, secret in SECRETS.items():
        if name != 'jenkins_git_username':
            assert secret not in text, name + ' is in the chart values'
    admin = computed[case]['values']['controller']['admin']
    assert admin == {'createSecret': False, 'existingSecret': 'jenkins-admin', 'userKey': 'jenkins-admin-user',
                     'passwordKey': 'jenkins-admin-password'}
    assert 'password' not in admin


def test_credentials_are_references_to_the_mounted_secret(computed):
    values = computed['monorepo']['values']
    secrets = values['controller']['additionalExistingSecrets']
    keys = {'discord-webhook', 'git-username', 'git-password', 'registry-username', 'registry-password'}
    assert {entry['keyName'] for entry in secrets} == keys
    assert {entry['name'] for entry in secrets} == {'jenkins-credentials'}
    credentials = jcasc(values, 'dockerbuild-credentials')['credentials']['system']['domainCredentials'][0]['credentials']
    by_id = {next(iter(entry.values()))['id']: next(iter(entry.values())) for entry in credentials}
    assert by_id['discord-webhook']['secret'] == '${jenkins-credentials-discord-webhook}'
    assert by_id['git']['password'] == '${jenkins-credentials-git-password}'
    assert by_id['registry-push']['password'] == '${jenkins-credentials-registry-password}'


def test_the_plugins_are_pinned_and_include_what_the_library_needs(computed):
    values = computed['defaults']['values']['controller']
    names = [pin.split(':')[0] for pin in values['installPlugins']]
    assert {'kubernetes', 'workflow-aggregator', 'git', 'configuration-as-code', 'discord-notifier', 'credentials-binding',
            'pipeline-groovy-lib', 'job-dsl'} <= set(names)
    assert all(len(pin.split(':')) == 2 and pin.split(':')[1] not in ('', 'latest') for pin in values['installPlugins'])
    assert values['installLatestPlugins'] is False


def test_the_deployer_reaches_the_namespaces_of_the_deploying_branches(computed):
    assert computed['defaults']['namespaces'] == ['production', 'staging']
    assert computed['qa_branch']['namespaces'] == ['qa']


def test_the_templates_are_the_librarys_agent_pods(computed, tmp_path):
    """Agent.podYaml (the pod dockerBuild asks for) and the role's templates are the same pod, for every builder."""
    images = role_defaults('jenkins')['jenkins_agent_images']
    groovy_map = '[' + ', '.join("%s: '%s'" % item for item in images.items()) + ']'
    script = tmp_path / 'pods.groovy'
    script.write_text(
        "import baremetal.pipeline.Agent\n"
        "assert Agent.DEFAULT_IMAGES == %s\n"
        "for (String builder : Agent.BUILDERS) {\n"
        "  println('--- ' + builder)\n"
        "  print(Agent.podYaml([builder: builder, images: %s, pushSecret: 'registry-push', serviceAccount: 'jenkins-deployer']))\n"
        "}\n" % (groovy_map, groovy_map), encoding='utf-8')
    result = groovy_runner.groovy_script(str(script), classpath=(os.path.join(groovy_runner.LIBRARY, 'src'),), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    library = {}
    for chunk in result.stdout.split('--- ')[1:]:
        name, _newline, body = chunk.partition('\n')
        library[name.strip()] = yaml.safe_load(body)
    found = {}
    for case in ('defaults', 'buildkit', 'docker_builder'):
        found.update(templates(computed[case]['values']))
    assert sorted(library) == sorted(found) == ['buildkit', 'docker', 'kaniko']
    for builder, pod in library.items():
        assert found[builder]['pod'] == pod, builder + ': the role and Agent.groovy disagree'
