"""Every awx.awx call of the role controller_config is checked against that module's own argument spec.

Statically (each task's options exist in ``ansible-doc -j`` of the module, literal values have its types and
choices) and by running the role: the awx.awx modules are replaced by stand-ins that build an AnsibleModule with the
real module's documented argument spec, so an unknown option, a wrong type or a bad choice fails the play exactly
where the real module would, before it would talk to a controller. The recorded calls then show what the role
asks the controller for: a job template per phase, the site workflow, the credentials and the surveys.
"""
import json
import os

import pytest
import yaml

from tests import helpers
from tests.unit.awx.awx_helpers import (AUTH_OPTIONS, BIN, PHASES, REPO_ROOT, module_docs, role_tasks, survey_spec_problems,
                                        write_awx_test_double)

MODULES = ('organization', 'credential_type', 'credential', 'execution_environment', 'project', 'inventory',
           'inventory_source', 'job_template', 'workflow_job_template')
TYPES = {'str': str, 'bool': bool, 'int': int, 'dict': dict, 'list': list, 'float': (int, float)}
SETTINGS = {
    'controller_config_hostname': 'https://awx.example.test',
    'controller_config_password': 'controller-password-not-real',
    'controller_config_project_scm_url': 'https://git.example.test/platform-inventory.git',
    'controller_config_inventory_path': 'inventories/site1',
    'controller_config_execution_environment_image': 'registry.example.test/baremetal-platform-ee:0.1.0',
    'controller_config_machine_ssh_key_data': 'machine-key-not-real',
    'controller_config_vault_password': 'vault-password-not-real',
    'controller_config_k8s_host': 'https://10.0.0.1:6443',
    'controller_config_k8s_bearer_token': 'bearer-token-not-real',
    'controller_config_platform_secrets': {'cloudflare_api_token': 'cloudflare-not-real',
                                           'rancher_bootstrap_password': 'rancher-not-real'},
    'controller_config_organization_create': True,
}
SECRETS = ('controller-password-not-real', 'machine-key-not-real', 'vault-password-not-real', 'bearer-token-not-real',
           'cloudflare-not-real', 'rancher-not-real')


def awx_tasks():
    return [(path, task, defaults) for path, task, defaults in role_tasks()
            if any(key.startswith('awx.') for key in task)]


def module_of(task):
    return next(key for key in task if key.startswith('awx.'))


def test_every_awx_call_is_fqcn_and_uses_only_documented_options():
    docs = module_docs(MODULES)
    tasks = awx_tasks()
    assert len(tasks) >= 2 * len(MODULES) - 1, 'the role lost awx.awx tasks'
    for path, task, defaults in tasks:
        module = module_of(task)
        assert module.startswith('awx.awx.'), f'{path}: {module} is not an awx.awx FQCN'
        doc = docs[module.split('.')[-1]]
        options = doc['options']
        known = set(options) | {alias for option in options.values() for alias in option.get('aliases', [])}
        args = task[module] or {}
        unknown = sorted(set(args) - known)
        assert not unknown, f'{path} / {task["name"]}: {module} has no option(s) {unknown}'
        for name, value in args.items():
            option = options.get(name) or next(o for o in options.values() if name in o.get('aliases', []))
            if isinstance(value, str) and '{{' in value:
                continue  # rendered values are checked by the run below
            assert isinstance(value, TYPES[option.get('type', 'str')]), f'{path}: {module} {name}={value!r}'
            if 'choices' in option:
                assert value in option['choices'], f'{path}: {module} {name}={value!r} not in {option["choices"]}'
        given = set(args) | set(defaults.get('group/awx.awx.controller', {}))
        required = {name for name, option in options.items() if option.get('required')}
        assert required <= given, f'{path}: {module} needs {sorted(required - given)}'
        assert set(defaults.get('group/awx.awx.controller', {})) <= set(AUTH_OPTIONS)


@pytest.fixture(name='awx_double', scope='module')
def awx_double_fixture(tmp_path_factory):
    return write_awx_test_double(str(tmp_path_factory.mktemp('awx-double')), MODULES)


def run_role(tmp_path, awx_double, settings, playbook=None):
    """ansible-playbook of the role with the awx.awx stand-ins; (CompletedProcess, [recorded calls])."""
    record = tmp_path / 'calls.jsonl'
    record.write_text('', encoding='utf-8')
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': {
        'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(BIN, 'python')}}}}))
    extra = tmp_path / 'settings.yml'
    extra.write_text(yaml.safe_dump(settings), encoding='utf-8')
    # The stand-ins record their calls in AWX_TEST_DOUBLE_RECORD; their collection comes before the repository's.
    result = helpers.run_playbook(playbook or 'playbooks/controller_config.yml', '-e', f'@{extra}', inventory=str(inventory),
                                  connection=None, interpreter=None, env=dict(os.environ, AWX_TEST_DOUBLE_RECORD=str(record)),
                                  settings={'ANSIBLE_COLLECTIONS_PATH': f'{awx_double}:{helpers.COLLECTIONS}'})
    calls = [json.loads(line) for line in record.read_text(encoding='utf-8').splitlines() if line]
    return result, calls


def by_module(calls, module):
    return [call['params'] for call in calls if call['module'] == module]


def test_the_role_passes_every_call_through_the_real_argument_specs(tmp_path, awx_double):
    result, calls = run_role(tmp_path, awx_double, dict(SETTINGS))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert {call['module'] for call in calls} == set(MODULES), 'some awx.awx module was never called'
    for secret in SECRETS:
        assert secret not in result.stdout, f'a secret ({secret}) is in the play output'
    for call in calls:
        assert call['params']['controller_host'] == 'https://awx.example.test'
        assert call['params']['state'] == 'present'

    templates = {params['name']: params for params in by_module(calls, 'job_template')}
    assert sorted(templates) == sorted(f'baremetal {phase}' for phase in PHASES)
    for phase in PHASES:
        template = templates[f'baremetal {phase}']
        assert template['playbook'] == f'playbooks/{phase}.yml'
        assert os.path.isfile(os.path.join(REPO_ROOT, template['playbook']))
        assert template['project'] == 'baremetal project' and template['inventory'] == 'baremetal inventory'
        assert template['execution_environment'] == 'baremetal execution environment'
        assert 'baremetal vault' in template['credentials'] and 'baremetal platform secrets' in template['credentials']
        if phase in ('nodes', 'cluster'):
            assert 'baremetal machine' in template['credentials']
            assert 'baremetal kubernetes' not in template['credentials']
            assert template['extra_vars'] == {}
        else:
            # The controller-side phases read K8S_AUTH_* from the Kubernetes credential, not a kubeconfig file.
            assert 'baremetal kubernetes' in template['credentials']
            assert template['extra_vars'] == {'platform_kubeconfig': ''}
        if phase == 'cicd':
            assert template['survey_enabled'] is False and template['survey_spec'] == {}
        else:
            assert template['survey_enabled'] is True
            assert survey_spec_problems(template['survey_spec']) == [], phase

    (workflow,) = by_module(calls, 'workflow_job_template')
    assert workflow['name'] == 'baremetal site'
    nodes = {node['identifier']: node for node in workflow['workflow_nodes']}
    assert list(nodes) == list(PHASES)
    for index, phase in enumerate(PHASES):
        node = nodes[phase]
        template = node['unified_job_template']
        expected = (f'baremetal {phase}', 'job_template', {'name': 'Default'})
        assert (template['name'], template['type'], template['organization']) == expected
        following = [{'identifier': PHASES[index + 1]}] if index + 1 < len(PHASES) else []
        # Only success edges: a failed phase ends the workflow.
        related = node['related']
        assert (related['success_nodes'], related['failure_nodes'], related['always_nodes']) == (following, [], [])
    assert survey_spec_problems(workflow['survey_spec']) == []
    site_variables = [item['variable'] for item in workflow['survey_spec']['spec']]
    phase_variables = [item['variable'] for phase in PHASES[:-1] for item in templates[f'baremetal {phase}']['survey_spec']['spec']]
    assert site_variables == phase_variables

    credentials = {params['name']: params for params in by_module(calls, 'credential')}
    assert credentials['baremetal kubernetes']['credential_type'] == 'OpenShift or Kubernetes API Bearer Token'
    assert credentials['baremetal kubernetes']['inputs'] == {'host': 'https://10.0.0.1:6443', 'bearer_token': 'bearer-token-not-real',
                                                             'verify_ssl': True}
    assert credentials['baremetal vault']['credential_type'] == 'Vault'
    assert credentials['baremetal machine']['inputs']['ssh_key_data'] == 'machine-key-not-real'
    assert credentials['baremetal platform secrets']['credential_type'] == 'baremetal platform secrets'
    (secrets_type,) = by_module(calls, 'credential_type')
    fields = {field['id'] for field in secrets_type['inputs']['fields']}
    assert set(SETTINGS['controller_config_platform_secrets']) <= fields
    assert all(field['secret'] for field in secrets_type['inputs']['fields'])
    # The injectors stay templates for the controller to render when a job starts.
    assert secrets_type['injectors']['extra_vars']['vault_cloudflare_api_token'] == '{{ cloudflare_api_token }}'
    with open(os.path.join(REPO_ROOT, 'inventories', 'prod', 'group_vars', 'all', 'vault.yml'), encoding='utf-8') as handle:
        assert set(secrets_type['injectors']['extra_vars']) == set(yaml.safe_load(handle))

    (source,) = by_module(calls, 'inventory_source')
    assert source['source'] == 'scm' and source['source_project'] == 'baremetal project'
    assert source['source_path'] == 'inventories/site1'
    (project,) = by_module(calls, 'project')
    assert project['scm_url'] == SETTINGS['controller_config_project_scm_url'] and project['scm_type'] == 'git'
    (environment,) = by_module(calls, 'execution_environment')
    assert environment['image'] == SETTINGS['controller_config_execution_environment_image']
    assert by_module(calls, 'organization')[0]['name'] == 'Default'


def test_without_optional_settings_only_the_machine_credential_is_made(tmp_path, awx_double):
    settings = {key: SETTINGS[key] for key in ('controller_config_hostname', 'controller_config_password',
                                               'controller_config_project_scm_url',
                                               'controller_config_execution_environment_image')}
    result, calls = run_role(tmp_path, awx_double, settings)
    assert result.returncode == 0, result.stdout[-4000:]
    assert [params['name'] for params in by_module(calls, 'credential')] == ['baremetal machine']
    assert by_module(calls, 'organization') == []
    templates = {params['name']: params for params in by_module(calls, 'job_template')}
    assert templates['baremetal addons']['credentials'] == [] and templates['baremetal addons']['extra_vars'] == {}
    assert templates['baremetal nodes']['credentials'] == ['baremetal machine']


def test_state_absent_removes_dependents_first(tmp_path, awx_double):
    settings = dict(SETTINGS, controller_config_state='absent')
    result, calls = run_role(tmp_path, awx_double, settings)
    assert result.returncode == 0, result.stdout[-4000:]
    assert all(call['params']['state'] == 'absent' for call in calls)
    order = [call['module'] for call in calls]
    assert order.index('workflow_job_template') < order.index('job_template') < order.index('inventory_source') \
        < order.index('inventory') < order.index('project') < order.index('credential') < order.index('credential_type')


def test_preflight_refuses_missing_settings_before_any_call(tmp_path, awx_double):
    settings = dict(SETTINGS)
    del settings['controller_config_project_scm_url']
    result, calls = run_role(tmp_path, awx_double, settings)
    assert result.returncode != 0
    assert 'controller_config settings are invalid, nothing was changed' in result.stdout
    assert calls == []


def test_a_survey_question_outside_the_roles_specs_fails_before_any_call(tmp_path, awx_double):
    settings = dict(SETTINGS, controller_config_survey_questions={'nodes': ['node_admin_user', 'metallb_chart_version']})
    result, calls = run_role(tmp_path, awx_double, settings)
    assert result.returncode != 0
    assert 'metallb_chart_version is in no argument spec of this phase' in result.stdout
    assert calls == []


@pytest.mark.parametrize('args, message', [
    ({'name': 'x', 'bogus_option': 1}, 'Unsupported parameters'),
    ({'name': 'x', 'job_type': 'sometimes'}, 'value of job_type must be one of'),
    ({'name': 'x', 'forks': 'many'}, "forks"),
    ({'name': 'x', 'survey_spec': 'not a mapping'}, 'survey_spec'),
])
def test_the_stand_ins_refuse_what_the_real_module_refuses(tmp_path, awx_double, args, message):
    """The check is real: a call the real job_template module would refuse fails the play."""
    playbook = tmp_path / 'bad.yml'
    playbook.write_text(yaml.safe_dump([{'name': 'bad call', 'hosts': 'localhost', 'gather_facts': False,
                                         'tasks': [{'name': 'bad', 'awx.awx.job_template': args}]}]), encoding='utf-8')
    result, calls = run_role(tmp_path, awx_double, {}, playbook=str(playbook))
    assert result.returncode != 0, result.stdout[-2000:]
    assert message in result.stdout, result.stdout[-2000:]
    assert calls == []
