"""Surveys generated from the roles' argument specs: AWX's survey_spec rules, and every question a role variable."""
import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.baremetal.platform.plugins.filter.argument_spec_survey import SURVEY_LINES_SUFFIX, argument_spec_survey
from tests.unit.awx.awx_helpers import ROLE, load_ansible_yaml, role_defaults, role_options, survey_spec_problems

# Mirrors roles/controller_config/vars/main.yml (_controller_config_phase_roles); checked below.
PHASE_ROLES = {'nodes': ['node'], 'cluster': ['rke1', 'rke2'],
               'addons': ['helm', 'metallb', 'openebs', 'local_path_provisioner', 'cert_manager', 'rancher', 'istio'],
               'database': ['postgres_operator'], 'cicd': []}
# Survey type -> the argument spec types it can carry.
COMPATIBLE = {'text': {'str', 'path'}, 'textarea': {'list'}, 'password': {'str', 'path'}, 'integer': {'int'},
              'multiplechoice': {'bool', 'str', 'int'}}


def load(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def phase_options(phase):
    merged = {}
    for role in PHASE_ROLES[phase]:
        merged.update(role_options(role))
    return merged


def role_variable(item):
    """The role variable a question sets (a list question asks <variable>_survey_lines)."""
    if item['type'] == 'textarea':
        assert item['variable'].endswith(SURVEY_LINES_SUFFIX) and item['question_name'] + SURVEY_LINES_SUFFIX == item['variable']
        return item['variable'][:-len(SURVEY_LINES_SUFFIX)]
    return item['variable']


def phase_defaults(phase):
    merged = {}
    for role in PHASE_ROLES[phase]:
        merged.update(role_defaults(role))
    return merged


def test_the_phase_roles_here_are_the_roles_the_role_reads():
    assert load_ansible_yaml(f'{ROLE}/vars/main.yml')['_controller_config_phase_roles'] == PHASE_ROLES


@pytest.mark.parametrize('phase', [phase for phase in PHASE_ROLES if phase != 'cicd'])
def test_each_phase_survey_is_valid_for_awx_and_asks_role_variables(phase):
    questions = load(f'{ROLE}/defaults/main.yml')['controller_config_survey_questions'][phase]
    assert questions, f'the {phase} survey asks nothing'
    options = phase_options(phase)
    survey = argument_spec_survey(options, questions, defaults=phase_defaults(phase), name=phase)
    assert survey_spec_problems(survey) == []
    assert [role_variable(item) for item in survey['spec']] == questions
    for item in survey['spec']:
        spec = options[role_variable(item)]
        assert spec.get('type', 'str') in COMPATIBLE[item['type']], (item['variable'], spec.get('type'), item['type'])
        assert item['required'] == bool(spec.get('required', False))
        if spec.get('choices'):
            assert item['choices'] == [str(choice) for choice in spec['choices']]
        if spec.get('type') == 'bool':
            assert item['choices'] == ['true', 'false']
        if 'default' in item and item['type'] != 'password':
            # The role's own default, as the survey shows it.
            value = phase_defaults(phase)[role_variable(item)]
            assert item['default'] == ({True: 'true', False: 'false'}.get(value, value) if isinstance(value, bool) else
                                       value if isinstance(value, int) else
                                       '\n'.join(value) if isinstance(value, list) else str(value))


def test_the_questions_of_every_phase_are_in_the_argument_spec_of_controller_config():
    options = load(f'{ROLE}/meta/argument_specs.yml')['argument_specs']['main']['options']
    assert options['controller_config_survey_questions']['default'] == \
        load(f'{ROLE}/defaults/main.yml')['controller_config_survey_questions']


OPTIONS = {
    'a_text': {'type': 'str', 'default': 'kubeuser', 'description': 'Name of C(the) user, see O(a_int).'},
    'a_path': {'type': 'path', 'default': '/srv', 'description': 'A path.'},
    'a_int': {'type': 'int', 'default': 3, 'description': 'Tries.'},
    'a_bool': {'type': 'bool', 'default': False, 'description': 'Switch.'},
    'a_choice': {'type': 'str', 'choices': ['rke1', 'rke2', 'external'], 'default': 'rke2', 'description': 'Engine.'},
    'a_list': {'type': 'list', 'elements': 'str', 'default': ['a', 'b'], 'description': 'Lines.'},
    'a_secret': {'type': 'str', 'no_log': True, 'default': '', 'description': 'Secret.'},
    'a_required': {'type': 'str', 'required': True, 'description': 'Must be given.'},
    'a_templated': {'type': 'bool', 'default': "{{ x == 'rke1' }}", 'description': 'Computed.'},
    'a_words': {'type': 'str', 'default': 'the first server', 'description': 'Documented in words.'},
    'a_dict': {'type': 'dict', 'default': {}, 'description': 'Mapping.'},
    'a_dicts': {'type': 'list', 'elements': 'dict', 'default': [], 'description': 'Mappings.'},
}
DEFAULTS = {'a_text': 'kubeuser', 'a_path': '/srv', 'a_int': 3, 'a_bool': False, 'a_choice': 'rke2', 'a_list': ['a', 'b'],
            'a_secret': '', 'a_templated': "{{ x == 'rke1' }}", 'a_words': "{{ groups['x'][0] }}"}


def question(variable):
    survey = argument_spec_survey(OPTIONS, [variable], defaults=DEFAULTS, name='t', description='d')
    assert survey_spec_problems(survey) == []
    return survey['spec'][0]


def test_types_map_as_awx_expects():
    assert question('a_text') | {'question_description': None} == {
        'variable': 'a_text', 'question_name': 'a_text', 'question_description': None, 'required': False,
        'type': 'text', 'min': 0, 'max': 1024, 'default': 'kubeuser'}
    assert question('a_text')['question_description'] == 'Name of the user, see a_int.'
    assert question('a_path')['type'] == 'text'
    assert {key: question('a_int')[key] for key in ('type', 'min', 'max', 'default')} == \
        {'type': 'integer', 'min': 0, 'max': 2147483647, 'default': 3}
    assert {key: question('a_bool')[key] for key in ('type', 'choices', 'default')} == \
        {'type': 'multiplechoice', 'choices': ['true', 'false'], 'default': 'false'}
    assert {key: question('a_choice')[key] for key in ('type', 'choices', 'default')} == \
        {'type': 'multiplechoice', 'choices': ['rke1', 'rke2', 'external'], 'default': 'rke2'}
    assert {key: question('a_list')[key] for key in ('variable', 'question_name', 'type', 'default')} == \
        {'variable': 'a_list_survey_lines', 'question_name': 'a_list', 'type': 'textarea', 'default': 'a\nb'}
    assert question('a_secret')['type'] == 'password'
    assert question('a_required')['required'] is True and 'default' not in question('a_required')


def test_computed_defaults_are_not_offered():
    assert 'default' not in question('a_templated')
    assert 'default' not in question('a_words')  # the spec describes in words what defaults/main.yml computes


def test_overrides_of_a_question():
    survey = argument_spec_survey(OPTIONS, [{'variable': 'a_int', 'min': 1, 'max': 10, 'required': True}], defaults=DEFAULTS)
    assert {key: survey['spec'][0][key] for key in ('min', 'max', 'required')} == {'min': 1, 'max': 10, 'required': True}


@pytest.mark.parametrize('questions, message', [
    (['a_dict'], 'a_dict: type dict cannot be a survey question'),
    (['a_dicts'], 'a_dicts: type list of dict cannot be a survey question'),
    (['nowhere'], 'nowhere is in no argument spec'),
    (['a_text', 'a_text'], 'a_text is asked twice'),
    ([{'required': True}], 'every survey question needs a variable name'),
])
def test_questions_a_survey_cannot_ask_fail_naming_the_variable(questions, message):
    with pytest.raises(AnsibleFilterError, match=message):
        argument_spec_survey(OPTIONS, questions, defaults=DEFAULTS)


def test_a_workflow_survey_keeps_the_first_of_repeated_questions():
    survey = argument_spec_survey(OPTIONS, ['a_text', 'a_int', 'a_text'], defaults=DEFAULTS, duplicates='first')
    assert [item['variable'] for item in survey['spec']] == ['a_text', 'a_int']


@pytest.mark.parametrize('broken, problem', [
    ({'type': 'multiplechoice', 'choices': ['a'], 'default': 'b'}, 'not among the choices'),
    ({'type': 'multiplechoice'}, 'needs choices'),
    ({'type': 'integer', 'min': 0, 'max': 5, 'default': 9}, 'outside 0..5'),
    ({'type': 'integer', 'default': 1}, 'needs min and max'),
    ({'type': 'integer', 'min': 0, 'max': 5, 'default': '1'}, 'is not a integer value'),
    ({'type': 'checkbox'}, 'is not one of'),
    ({'type': 'text', 'required': 'yes'}, 'required must be a boolean'),
])
def test_the_awx_rules_catch_what_awx_refuses(broken, problem):
    item = dict({'variable': 'v', 'question_name': 'v', 'required': False}, **broken)
    assert any(problem in text for text in survey_spec_problems({'name': 'n', 'description': '', 'spec': [item]}))
    twice = {'name': 'n', 'description': '', 'spec': [question('a_text'), question('a_text')]}
    assert any('asked twice' in text for text in survey_spec_problems(twice))
