"""The controller-side phases talk to the cluster the same way: one module_defaults, written alike in each playbook."""
import os

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PHASES = ('addons', 'database', 'cicd')


def module_defaults(phase):
    with open(os.path.join(REPO_ROOT, 'playbooks', phase + '.yml'), encoding='utf-8') as handle:
        plays = yaml.safe_load(handle)
    found = [play['module_defaults'] for play in plays if play.get('hosts') == 'localhost' and 'module_defaults' in play]
    assert len(found) == 1, '%s.yml: expected one controller play with module_defaults' % phase
    return found[0]


def test_every_controller_phase_has_the_same_module_defaults():
    addons = module_defaults('addons')
    for phase in PHASES[1:]:
        assert module_defaults(phase) == addons, phase + '.yml and addons.yml configure the cluster client differently'


def test_the_collections_own_kubernetes_modules_get_the_kubeconfig_too():
    for phase in PHASES:
        assert module_defaults(phase)['group/baremetal.platform.k8s'] == {
            'kubeconfig': "{{ platform_kubeconfig | default(omit, true) }}"}
