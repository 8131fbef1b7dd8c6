"""The upstream data pack (../shared/upstream) and the roles' own files, for the tests that hold the roles to upstream.

The data pack is found at ../shared/upstream next to the checkout, or where BAREMETAL_UPSTREAM_DATA points.
When it is missing every test that needs it fails with where it looked; nothing is skipped.
"""
import json
import os
import re

import yaml

from tests import helpers
from tests.helpers import UNREACHABLE_KUBECONFIG

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
ENV_VAR = 'BAREMETAL_UPSTREAM_DATA'
ADDON_ROLES = ('metallb', 'openebs', 'local_path_provisioner', 'cert_manager', 'rancher', 'istio', 'postgres_operator',
               'registry')


def upstream_dir():
    """The data pack's directory; raises with where it looked when it is not there."""
    path = os.environ.get(ENV_VAR) or os.path.join(REPO_ROOT, '..', 'shared', 'upstream')
    path = os.path.abspath(path)
    if not os.path.isfile(os.path.join(path, 'releases.yaml')):
        raise RuntimeError(
            'The upstream data pack is missing: no releases.yaml in %s. It is looked for at ../shared/upstream next to the '
            'checkout (%s), or where the environment variable %s points; restore it or set %s.'
            % (path, REPO_ROOT, ENV_VAR, ENV_VAR))
    return path


def upstream_path(*parts):
    """A file or directory of the data pack; raises when it does not exist."""
    path = os.path.join(upstream_dir(), *parts)
    if not os.path.exists(path):
        raise RuntimeError('The upstream data pack has no %s (looked in %s)' % (os.path.join(*parts), upstream_dir()))
    return path


def read_text(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def load_yaml(path):
    """One YAML document; release-time placeholders (%VERSION%, Rancher) become strings first."""
    return yaml.safe_load(re.sub(r'%[A-Z_]+%', 'placeholder', read_text(path)))


def load_yaml_all(path):
    return [doc for doc in yaml.safe_load_all(read_text(path)) if doc]


def load_json(path):
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def releases():
    return load_yaml(upstream_path('releases.yaml'))


def released_versions(component):
    """Every released version of a component in releases.yaml."""
    facts = releases()[component]
    versions = [entry['version'] for entry in facts.get('versions', [])]
    return versions


def repo_yaml(*parts):
    return load_yaml(os.path.join(REPO_ROOT, *parts))


# A role default that follows a platform_* inventory variable: "{{ platform_x | default('4.4.0') }}".
PLATFORM_DEFAULT = re.compile(r"^\{\{\s*platform_\w+\s*\|\s*default\('([^']*)'\)\s*\}\}$")


def role_defaults(role):
    """A role's defaults; one that follows a platform_* variable counts as its fallback (the role's pin)."""
    defaults = helpers.role_defaults(role)
    for name, value in defaults.items():
        match = PLATFORM_DEFAULT.match(value) if isinstance(value, str) else None
        if match:
            defaults[name] = match.group(1)
    return defaults


def role_vars(role):
    return repo_yaml('roles', role, 'vars', 'main.yml')


def matrix():
    return repo_yaml('docs', 'support-matrix.yml')


def leaf_paths(values, prefix=()):
    """Dotted key paths of every leaf of a values tree (an empty dict counts as a leaf)."""
    if isinstance(values, dict) and values:
        paths = []
        for key, value in values.items():
            paths.extend(leaf_paths(value, prefix + (str(key),)))
        return paths
    return ['.'.join(prefix)] if prefix else []


def has_path(tree, path):
    """True when the dotted path exists in a (values) tree."""
    node = tree
    for key in path.split('.'):
        if not isinstance(node, dict) or key not in node:
            return False
        node = node[key]
    return True


def get_path(tree, path):
    node = tree
    for key in path.split('.'):
        node = node[key]
    return node


# Quiet about the implicit localhost and the "localhost," inventory: the tests read the whole output.
QUIET = {'ANSIBLE_LOCALHOST_WARNING': '0', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0'}


def evaluate(tmp_dir, cases):
    """Evaluate role expressions the way the roles' tasks do, one play per case, in one ansible-playbook run.

    Each case: name, role, vars (the user's settings), exprs ({key: Jinja expression over the role's defaults and
    vars/main.yml}). Returns {case name: {key: value}}. The role's defaults load first, then the case's settings,
    then the role's vars/main.yml, as a role run would see them.
    """
    plays = []
    for case in cases:
        role_dir = os.path.join(REPO_ROOT, 'roles', case['role'])
        case_file = os.path.join(tmp_dir, case['name'] + '.vars.json')
        with open(case_file, 'w', encoding='utf-8') as handle:
            json.dump(case.get('vars', {}), handle)
        files = [os.path.join(role_dir, 'defaults', 'main.yml'), case_file]
        if os.path.isfile(os.path.join(role_dir, 'vars', 'main.yml')):
            files.append(os.path.join(role_dir, 'vars', 'main.yml'))
        expression = '{' + ', '.join('%s: (%s)' % (json.dumps(key), expr) for key, expr in case['exprs'].items()) + '}'
        plays.append({
            'name': 'Evaluate ' + case['name'],
            'hosts': 'localhost',
            'gather_facts': False,
            'vars_files': files,
            'vars': {'templates_dir': os.path.join(role_dir, 'templates')},
            'tasks': [{
                'name': 'Write the values',
                'ansible.builtin.copy': {
                    'content': '{{ %s | to_json }}' % expression,
                    'dest': os.path.join(tmp_dir, case['name'] + '.out.json'),
                    'mode': '0644',
                },
            }],
        })
    playbook = os.path.join(tmp_dir, 'evaluate.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(plays, handle)
    result = helpers.run_playbook(playbook, settings=QUIET)
    if result.returncode != 0:
        raise AssertionError('evaluating the role expressions failed:\n' + result.stdout + result.stderr)
    out = {}
    for case in cases:
        out[case['name']] = load_json(os.path.join(tmp_dir, case['name'] + '.out.json'))
    return out


def template_expr(name):
    """Jinja expression rendering roles/<role>/templates/<name> to a list of objects, as the roles' tasks do."""
    return "lookup('ansible.builtin.template', templates_dir ~ '/%s') | ansible.builtin.from_yaml_all | select | list" % name


def crd_schema(crd_files, kind, group, version):
    """openAPIV3Schema of one served version of an upstream CRD, made strict.

    The API server rejects unknown fields with strict field validation (kubectl's default); the schema is
    tightened the same way (additionalProperties false where the CRD lists properties and does not preserve
    unknown fields), so a misspelt field fails here as it would there.
    """
    for path in crd_files:
        for doc in load_yaml_all(path):
            if doc.get('kind') == 'CustomResourceDefinition' and doc['spec']['names']['kind'] == kind \
                    and doc['spec']['group'] == group:
                served = {v['name']: v for v in doc['spec']['versions'] if v.get('served')}
                if version not in served:
                    raise AssertionError('%s.%s does not serve %s (served: %s)' % (kind, group, version, sorted(served)))
                return _strict(served[version]['schema']['openAPIV3Schema'])
    raise AssertionError('No CRD for %s.%s in %s' % (kind, group, crd_files))


def _strict(schema):
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if 'properties' in schema and 'additionalProperties' not in schema and \
                not schema.get('x-kubernetes-preserve-unknown-fields'):
            schema['additionalProperties'] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def resources(*parts):
    """(kind, namespace, name) rows of a resources.txt (what the chart renders with its defaults)."""
    rows = set()
    for line in read_text(upstream_path(*parts)).splitlines():
        if line.strip():
            kind, namespace, name = line.split()
            rows.add((kind, namespace, name))
    return rows


def run_role(tmp_dir, role, variables):
    """Run one role against an API server that does not exist (127.0.0.1:1); returns (returncode, output).

    A run that gets past the role's checks fails on its first API or Helm call
    (tests.helpers.reached_the_cluster tells).
    """
    kubeconfig = os.path.join(tmp_dir, 'kubeconfig')
    with open(kubeconfig, 'w', encoding='utf-8') as handle:
        handle.write(UNREACHABLE_KUBECONFIG)
    playbook = os.path.join(tmp_dir, 'run_role.yml')
    defaults = {'kubeconfig': kubeconfig}
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([{
            'name': 'Run ' + role,
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': {'group/kubernetes.core.k8s': defaults, 'group/kubernetes.core.helm': defaults,
                                'group/baremetal.platform.k8s': defaults,
                                'kubernetes.core.k8s_cluster_info': defaults},
            'tasks': [{'name': 'Run the role', 'ansible.builtin.include_role': {'name': 'baremetal.platform.' + role}}],
        }], handle)
    result = helpers.run_playbook(playbook, extra_vars=dict({'platform_kubeconfig': kubeconfig}, **variables), settings=QUIET)
    return result.returncode, ' '.join((result.stdout + result.stderr).split())


# OpenEBS keys: what the stored data confirms (the list of what it cannot is in test_chart_values.py).
def openebs_unverified(values):
    """Leaf keys of OpenEBS values that none of the stored upstream data confirms."""
    umbrella = load_yaml(upstream_path('openebs', '4.2.0', 'values.yaml'))
    localpv = load_yaml(upstream_path('openebs', 'localpv-provisioner', '4.0.0', 'values.yaml'))
    guide = read_text(upstream_path('openebs', 'website-docs', 'version-4.4.x', 'quickstart-guide', 'installation.md'))
    unverified = []
    for path in leaf_paths(values):
        if has_path(umbrella, path):
            continue
        if path.startswith('localpv-provisioner.') and has_path(localpv, path[len('localpv-provisioner.'):]):
            continue
        if '--set %s=' % path in guide:
            continue
        unverified.append(path)
    return unverified
