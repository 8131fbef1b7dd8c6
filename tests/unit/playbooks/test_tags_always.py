"""Under --tags (e.g. --tags ssh), the survey answers, every phase-0 check and the cluster access check still run."""
import os
import re

from tests import helpers


def listed(playbook, tags):
    result = helpers.run_playbook(os.path.join(helpers.REPO_ROOT, playbook), '--list-tasks', '--tags', tags,
                                  inventory=os.path.join(helpers.REPO_ROOT, 'inventories', 'prod'), connection=None,
                                  interpreter=None)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def play_tasks(output, play_name):
    """Task lines of the first play whose name starts with play_name."""
    block = re.search(r'play #\d+ \([^)]*\): %s.*?\n    tasks:\n(.*?)(?:\n\n|\Z)' % re.escape(play_name), output, re.S)
    assert block, play_name + ' not listed:\n' + output
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_phase_0_and_the_survey_answers_run_under_any_tag():
    output = listed('site.yml', 'ssh')
    assert play_tasks(output, 'Survey answers')[0].startswith('Turn each <variable>_survey_lines answer')
    checks = play_tasks(output, 'Phase 0 - preflight, every phase')
    assert len(checks) >= 10 and all(line.endswith('TAGS: [always]') for line in checks)
    assert any(line.startswith('Stop before any change when the inventory has problems') for line in checks)


def test_the_cluster_access_check_runs_under_any_tag():
    for playbook in ('playbooks/addons.yml', 'playbooks/database.yml', 'playbooks/cicd.yml'):
        tasks = play_tasks(listed(playbook, 'nothing-but-this'), 'Phase ')
        assert tasks and tasks[0].startswith('Check that the cluster can be reached from the controller'), playbook
