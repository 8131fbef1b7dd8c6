"""List questions: AWX answers them as text in <variable>_survey_lines; playbooks/survey_answers.yml makes the list."""
import json
import os

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.baremetal.platform.plugins.filter.argument_spec_survey import survey_lines
from tests.helpers import REPO_ROOT, run_playbook, write_playbook


def test_text_becomes_one_trimmed_item_per_non_empty_line():
    assert survey_lines('10.0.0.10\n\n  10.0.0.11 \r\nssh-ed25519 AAAA key@host\n') == \
        ['10.0.0.10', '10.0.0.11', 'ssh-ed25519 AAAA key@host']


@pytest.mark.parametrize('answer, expected', [(['a', 'b'], ['a', 'b']), ('', []), ('  \n', []), (None, [])])
def test_a_list_stays_and_blank_text_is_empty(answer, expected):
    assert survey_lines(answer) == expected


def test_an_answer_of_another_type_is_refused():
    with pytest.raises(AnsibleFilterError, match='expects the text of a survey answer'):
        survey_lines({'a': 1})


def run_with_answers(tmp_path, answers):
    """survey_answers.yml, then a play whose own vars stand for the inventory; the lists it sees."""
    shown = tmp_path / 'seen.json'
    playbook = write_playbook(tmp_path / 'play.json', [
        {'import_playbook': os.path.join(REPO_ROOT, 'playbooks', 'survey_answers.yml')},
        {'hosts': 'localhost', 'gather_facts': False,
         'vars': {'node_admin_authorized_keys': ['from-inventory'], 'metallb_reserved_addresses': ['10.0.0.1']},
         'tasks': [{'name': 'record', 'ansible.builtin.copy': {
             'dest': str(shown), 'mode': '0600',
             'content': '{{ {"keys": node_admin_authorized_keys, "reserved": metallb_reserved_addresses} | to_json }}'}}]},
    ])
    completed = run_playbook(playbook, extra_vars=answers)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(shown.read_text(encoding='utf-8'))


def test_an_answer_replaces_the_inventory_list_and_an_empty_answer_keeps_it(tmp_path):
    seen = run_with_answers(tmp_path, {'node_admin_authorized_keys_survey_lines': 'ssh-ed25519 AAAA one\nssh-ed25519 BBBB two\n',
                                       'metallb_reserved_addresses_survey_lines': ''})
    assert seen == {'keys': ['ssh-ed25519 AAAA one', 'ssh-ed25519 BBBB two'], 'reserved': ['10.0.0.1']}


def test_without_answers_the_inventory_lists_stay(tmp_path):
    assert run_with_answers(tmp_path, {}) == {'keys': ['from-inventory'], 'reserved': ['10.0.0.1']}


def test_every_phase_playbook_and_the_preflight_turn_answers_into_lists_first():
    for name in ('preflight', 'nodes', 'cluster', 'addons', 'database', 'cicd'):
        with open(os.path.join(REPO_ROOT, 'playbooks', f'{name}.yml'), encoding='utf-8') as handle:
            first_play = handle.read().split('\n- ', 2)[1]
        assert 'import_playbook: survey_answers.yml' in first_play, f'playbooks/{name}.yml does not start with survey_answers.yml'
