"""PGO's kustomize install puts the operator where upstream's kustomization says; the role refuses anything else.

Upstream's config/default hardcodes its namespace, so applying it while postgres_operator_namespace names
another one would install the operator somewhere the role does not look (the defect this guards).
"""
import pytest

from upstream_data import load_yaml, role_defaults, run_role, upstream_path

from tests.helpers import reached_the_cluster


def test_the_kustomization_namespace_default_is_upstreams():
    defaults = role_defaults('postgres_operator')
    kustomization = load_yaml(upstream_path('postgres-operator', 'v' + defaults['postgres_operator_version'],
                                            'config', 'default', 'kustomization.yaml'))
    assert kustomization['namespace'] == defaults['postgres_operator_kustomize_namespace'] == defaults['postgres_operator_namespace']


@pytest.mark.parametrize('settings, refused', [
    ({'postgres_operator_install_method': 'kustomize', 'postgres_operator_namespace': 'databases'}, True),
    ({'postgres_operator_install_method': 'kustomize'}, False),
    ({'postgres_operator_install_method': 'kustomize', 'postgres_operator_namespace': 'databases',
      'postgres_operator_kustomize_dir': '/srv/pgo-overlay', 'postgres_operator_kustomize_namespace': 'databases'}, False),
    ({'postgres_operator_install_method': 'helm', 'postgres_operator_namespace': 'databases'}, False),
])
def test_kustomize_refuses_a_namespace_it_does_not_install_into(tmp_path, settings, refused):
    code, output = run_role(str(tmp_path), 'postgres_operator', settings)
    assert code != 0, output
    if refused:
        assert "postgres_operator_namespace is 'databases', but the kustomization" in output, output
        assert "installs the operator into 'postgres-operator'" in output and 'Nothing was applied' in output, output
        assert not reached_the_cluster(output), output
    else:
        assert reached_the_cluster(output), output
