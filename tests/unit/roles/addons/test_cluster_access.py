"""The controller-side phases (addons, database) share one cluster-access check, run before any role."""
import os

import pytest

from addons_helpers import REPO_ROOT, run_playbook


@pytest.mark.parametrize('playbook', ['addons.yml', 'database.yml'])
def test_missing_kubeconfig_stops_the_phase_first(tmp_path, playbook):
    missing = str(tmp_path / 'no-kubeconfig')
    result = run_playbook(os.path.join(REPO_ROOT, 'playbooks', playbook), {'platform_kubeconfig': missing})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert 'platform_kubeconfig %s does not exist. Run the cluster phase first' % missing in ' '.join(output.split()), output
    assert 'addon_common : Fail when neither the kubeconfig' in output, output
    assert 'baremetal.platform.helm :' not in output and 'baremetal.platform.postgres_operator :' not in output, output


@pytest.mark.parametrize('playbook', ['addons.yml', 'database.yml'])
def test_empty_kubeconfig_needs_k8s_auth_from_the_environment(monkeypatch, playbook):
    monkeypatch.delenv('K8S_AUTH_HOST', raising=False)
    monkeypatch.delenv('K8S_AUTH_KUBECONFIG', raising=False)
    result = run_playbook(os.path.join(REPO_ROOT, 'playbooks', playbook), {'platform_kubeconfig': ''})
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert 'platform_kubeconfig is empty and neither K8S_AUTH_HOST nor K8S_AUTH_KUBECONFIG is set' in ' '.join(output.split()), output
