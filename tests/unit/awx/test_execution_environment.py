"""meta/execution-environment.yml makes a build context with ansible-builder, with the pins the collection is tested with."""
import json
import os
import re
import subprocess
import sysconfig

import pytest
import yaml

from tests.unit.awx.awx_helpers import BIN, REPO_ROOT, require

ANSIBLE_BUILDER = os.path.join(BIN, 'ansible-builder')
DEFINITION = os.path.join(REPO_ROOT, 'meta', 'execution-environment.yml')


def pins(path):
    """{name: version} of the ``name==version`` lines of a requirements file."""
    found = {}
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            match = re.match(r'^([A-Za-z0-9_.\-\[\]]+)==(\S+)', line.strip())
            if match:
                found[match.group(1).lower()] = match.group(2)
    return found


@pytest.fixture(name='context', scope='module')
def context_fixture(tmp_path_factory):
    require(ANSIBLE_BUILDER, 'ansible-builder')
    context = tmp_path_factory.mktemp('ee') / 'context'
    result = subprocess.run([ANSIBLE_BUILDER, 'create', '-f', DEFINITION, '-c', str(context), '--output-filename',
                             'Containerfile'], cwd=str(context.parent), capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f'ansible-builder create failed: {result.stdout}{result.stderr}'
    return context


def test_ansible_builder_create_makes_a_context(context):
    assert (context / 'Containerfile').is_file()
    for name in ('requirements.txt', 'bindep.txt', 'requirements.yml'):
        assert (context / '_build' / name).is_file(), name


def test_ansible_core_and_runner_are_pinned_to_the_tested_versions(context):
    containerfile = (context / 'Containerfile').read_text(encoding='utf-8')
    tested = pins(os.path.join(REPO_ROOT, 'requirements-dev.txt'))
    assert f'ansible-core=={tested["ansible-core"]}' in containerfile
    assert f'ansible-runner=={tested["ansible-runner"]}' in containerfile
    base = re.search(r'^ARG EE_BASE_IMAGE="([^"]+)"', containerfile, re.M).group(1)
    assert re.match(r'^[\w.\-]+(/[\w.\-]+)+:[\w.\-]+$', base) and not base.endswith(':latest'), base


def test_the_collections_python_and_system_needs_are_in_the_context(context):
    python = (context / '_build' / 'requirements.txt').read_text(encoding='utf-8')
    with open(os.path.join(REPO_ROOT, 'requirements.txt'), encoding='utf-8') as handle:
        needed = [line.split('>=')[0].strip() for line in handle if line.strip() and not line.startswith('#')]
    for package in needed:
        assert re.search(rf'^{re.escape(package)}\b', python, re.M | re.I), f'{package} is not in the EE requirements'
    with open(os.path.join(REPO_ROOT, 'bindep.txt'), encoding='utf-8') as handle:
        assert (context / '_build' / 'bindep.txt').read_text(encoding='utf-8') == handle.read()


def test_the_collections_are_pinned_to_the_versions_tested_here(context):
    wanted = yaml.safe_load((context / '_build' / 'requirements.yml').read_text(encoding='utf-8'))['collections']
    site = os.path.join(sysconfig.get_paths()['purelib'], 'ansible_collections')
    names = {entry['name'] for entry in wanted}
    assert {'kubernetes.core', 'ansible.posix', 'community.general', 'community.crypto', 'awx.awx'} <= names
    with open(os.path.join(REPO_ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        # galaxy.yml names the same collections, so a galaxy install brings what the roles call
        assert set(yaml.safe_load(handle)['dependencies']) == names
    for entry in wanted:
        namespace, name = entry['name'].split('.')
        manifest = os.path.join(site, namespace, name, 'MANIFEST.json')
        with open(manifest, encoding='utf-8') as handle:
            installed = json.load(handle)['collection_info']['version']
        assert entry['version'] == installed, f'{entry["name"]}: EE pins {entry["version"]}, tests run {installed}'
