"""Shared helpers of the AWX tests: the awx.awx modules' own argument specs, AWX's survey rules, the role's files.

* ``module_docs(names)``        ``ansible-doc -j`` of awx.awx modules (the bundled collection), cached per session.
* ``argument_spec(doc)``        an AnsibleModule argument_spec built from one module's documented options.
* ``write_awx_test_double(...)``a collection ``awx.awx`` whose modules validate their parameters with the real
                                module's argument spec (AnsibleModule does the checking) and record them; nothing
                                talks to a controller. It stands in for the controller, not for the validation.
* ``survey_spec_problems(spec)``AWX's survey_spec rules, as its API applies them when a survey is saved.
"""
import functools
import json
import os
import shutil
import subprocess
import sys
import sysconfig

import yaml

from tests import helpers

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
ROLE = os.path.join(REPO_ROOT, 'roles', 'controller_config')
BIN = os.path.dirname(sys.executable)
ANSIBLE_DOC = os.path.join(BIN, 'ansible-doc')
# Options every awx.awx module has (the auth doc fragment); the role sets them through module_defaults.
AUTH_OPTIONS = ('controller_host', 'controller_username', 'controller_password', 'controller_oauthtoken',
                'validate_certs', 'request_timeout', 'controller_config_file')
PHASES = ('nodes', 'cluster', 'addons', 'database', 'cicd')


def require(path, what):
    """Fail (never skip) when a tool is missing, saying how to get it."""
    if not os.path.exists(path):
        raise AssertionError(f'{what} is missing at {path}: run scripts/setup (it installs requirements-dev.txt into .venv)')


def env():
    """Environment for ansible commands run from the checkout."""
    return dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_NOCOLOR='1')


@functools.lru_cache(maxsize=None)
def module_docs(names):
    """{short name: doc} of awx.awx modules, from ``ansible-doc -j`` of the collection ansible ships."""
    require(ANSIBLE_DOC, 'ansible-doc')
    result = subprocess.run([ANSIBLE_DOC, '-j', *(f'awx.awx.{name}' for name in names)], capture_output=True, text=True,
                            env=env(), cwd=REPO_ROOT, timeout=300, check=False)
    if result.returncode != 0:
        raise AssertionError(f'ansible-doc -j awx.awx.* failed (is the ansible package with awx.awx installed?): {result.stderr}')
    docs = json.loads(result.stdout)
    missing = [name for name in names if f'awx.awx.{name}' not in docs]
    if missing:
        raise AssertionError(f'awx.awx has no module(s) {missing}: install ansible 12 (requirements-dev.txt)')
    return {name.split('.')[-1]: value['doc'] for name, value in docs.items()}


def _option_spec(option):
    spec = {'type': option.get('type', 'str')}
    for key in ('elements', 'choices', 'aliases', 'required', 'default'):
        if key in option:
            spec[key] = option[key]
    if 'suboptions' in option:
        spec['options'] = {name: _option_spec(value) for name, value in option['suboptions'].items()}
    if spec.get('required'):
        spec.pop('default', None)
    return spec


def argument_spec(doc):
    """AnsibleModule argument_spec equivalent to the module's documented options."""
    return {name: _option_spec(option) for name, option in doc['options'].items()}


DOUBLE_MODULE = '''#!/usr/bin/python
# Test double of awx.awx.{name}: the real module's argument spec, checked by AnsibleModule; nothing else.
import json
import os
from ansible.module_utils.basic import AnsibleModule

SPEC = json.loads({spec!r})


def main():
    module = AnsibleModule(argument_spec=SPEC, supports_check_mode=True)
    with open(os.environ["AWX_TEST_DOUBLE_RECORD"], "a") as handle:
        handle.write(json.dumps({{"module": "{name}", "params": module.params}}) + "\\n")
    module.exit_json(changed=False)


if __name__ == "__main__":
    main()
'''


def write_awx_test_double(root, names):
    """Write ``root/ansible_collections/awx/awx`` with spec-checking stand-ins of ``names``; return ``root``."""
    real = os.path.join(sysconfig.get_paths()['purelib'], 'ansible_collections', 'awx', 'awx')
    require(os.path.join(real, 'meta', 'runtime.yml'), 'the collection awx.awx (bundled with ansible 12)')
    collection = os.path.join(root, 'ansible_collections', 'awx', 'awx')
    os.makedirs(os.path.join(collection, 'plugins', 'modules'))
    os.makedirs(os.path.join(collection, 'meta'))
    # The real action groups (group/awx.awx.controller in module_defaults) and name routing.
    shutil.copy(os.path.join(real, 'meta', 'runtime.yml'), os.path.join(collection, 'meta', 'runtime.yml'))
    with open(os.path.join(collection, 'MANIFEST.json'), 'w', encoding='utf-8') as handle:
        json.dump({'collection_info': {'namespace': 'awx', 'name': 'awx', 'version': '0.0.0-test-double'}}, handle)
    for name, doc in module_docs(tuple(names)).items():
        with open(os.path.join(collection, 'plugins', 'modules', f'{name}.py'), 'w', encoding='utf-8') as handle:
            handle.write(DOUBLE_MODULE.format(name=name, spec=json.dumps(argument_spec(doc))))
    return root


def role_tasks():
    """[(file, task)] of every task in the role, blocks flattened (with the module_defaults in force)."""
    found = []

    def walk(tasks, path, defaults):
        for task in tasks or []:
            inner = dict(defaults, **(task.get('module_defaults') or {}))
            if 'block' in task:
                walk(task['block'], path, inner)
                continue
            found.append((path, task, inner))

    for name in sorted(os.listdir(os.path.join(ROLE, 'tasks'))):
        path = os.path.join(ROLE, 'tasks', name)
        with open(path, encoding='utf-8') as handle:
            walk(yaml.safe_load(handle), name, {})
    return found


SURVEY_TYPES = {'text': str, 'textarea': str, 'password': str, 'multiplechoice': str, 'multiselect': str,
                'integer': int, 'float': (int, float)}


def survey_spec_problems(survey):
    """Every way ``survey`` breaks the rules AWX's API applies to a survey_spec; empty when it is valid."""
    problems = []
    for field, kind in (('name', str), ('description', str), ('spec', list)):
        if not isinstance(survey.get(field), kind):
            problems.append(f'{field!r} missing or not a {kind.__name__}')
    if problems:
        return problems
    if not survey['spec']:
        problems.append("'spec' has no questions")
    seen = set()
    for index, item in enumerate(survey['spec']):
        label = f'question {index} ({item.get("variable")})'
        for field in ('type', 'question_name', 'variable'):
            if not isinstance(item.get(field), str) or not item.get(field):
                problems.append(f'{label}: {field!r} must be a non-empty string')
        if not isinstance(item.get('required'), bool):
            problems.append(f'{label}: required must be a boolean')
        if item.get('variable') in seen:
            problems.append(f'{label}: variable asked twice')
        seen.add(item.get('variable'))
        kind = item.get('type')
        if kind not in SURVEY_TYPES:
            problems.append(f'{label}: type {kind!r} is not one of {sorted(SURVEY_TYPES)}')
            continue
        default = item.get('default')
        if 'default' in item and default != '' and (not isinstance(default, SURVEY_TYPES[kind]) or isinstance(default, bool)):
            problems.append(f'{label}: default {default!r} is not a {kind} value')
        for key in ('min', 'max'):
            if key in item and item[key] is not None and (not isinstance(item[key], int) or isinstance(item[key], bool)):
                problems.append(f'{label}: {key} must be an integer')
        if kind in ('multiplechoice', 'multiselect'):
            choices = item.get('choices')
            if isinstance(choices, str):
                choices = [line for line in choices.splitlines() if line.strip()]
            if not choices:
                problems.append(f'{label}: a {kind} needs choices')
                continue
            defaults = default.splitlines() if isinstance(default, str) else (default or [])
            if kind == 'multiplechoice' and len(defaults) > 1:
                problems.append(f'{label}: a multiplechoice has one default')
            if any(value not in choices for value in defaults):
                problems.append(f'{label}: default {default!r} is not among the choices {choices}')
        if kind in ('integer', 'float'):
            if 'min' not in item or 'max' not in item:
                problems.append(f'{label}: an {kind} question needs min and max')
            elif item['min'] > item['max']:
                problems.append(f'{label}: min {item["min"]} > max {item["max"]}')
            elif isinstance(default, (int, float)) and not item['min'] <= default <= item['max']:
                problems.append(f'{label}: default {default} outside {item["min"]}..{item["max"]}')
        if kind in ('text', 'textarea', 'password') and isinstance(default, str) and default:
            if 'max' in item and len(default) > item['max'] or 'min' in item and len(default) < item['min']:
                problems.append(f'{label}: default {default!r} length outside {item.get("min")}..{item.get("max")}')
    return problems


def role_options(role):
    """The options of ``roles/<role>/meta/argument_specs.yml``."""
    with open(os.path.join(REPO_ROOT, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def role_defaults(role):
    """``roles/<role>/defaults/main.yml`` (tests.helpers.role_defaults, the one reader)."""
    return helpers.role_defaults(role)


def load_ansible_yaml(path):
    """A YAML file as Ansible reads it (``!unsafe`` and ``!vault`` tags included)."""
    from ansible.parsing.utils.yaml import from_yaml  # pylint: disable=import-outside-toplevel
    with open(path, encoding='utf-8') as handle:
        return from_yaml(handle.read(), file_name=path)
