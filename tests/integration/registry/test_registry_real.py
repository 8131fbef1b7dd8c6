"""The registry role's htpasswd and TLS against the real CNCF distribution registry v3 and a real OCI client.

The role's own tasks (preflight, values, tls) run against the lab control plane: the wildcard certificate is a
Secret in istio-ingress, as cert-manager leaves it, and the role copies it to the registry namespace. The test reads
back what the role produced (the chart values' htpasswd and shared secret, the registry-tls Secret), starts the
registry binary `./lab k8s build` made (distribution v3.0.0, the version the chart runs) with the chart's configData
plus the role's, and pushes with crane (go-containerregistry): anonymous 401, wrong password 401, the right user
pushes <service>:v_323 and lists it.
"""
import base64
import copy
import json
import os
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request

import pytest
import yaml

from tests import helpers
from tools.lab.k8s import build, versions

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
UPSTREAM = os.environ.get('BAREMETAL_UPSTREAM_DATA') or os.path.join(REPO_ROOT, '..', 'shared', 'upstream')
PUSH_PASSWORD = 'lab-push-password-0123'
OTHER_PASSWORD = 'lab-other-password-4567'
SHARED_SECRET = 'lab-shared-secret-' + 'x' * 24


def tool(name):
    path = build.binary(versions.TOOLS[name], name)
    if not path.is_file():
        pytest.fail(f'{path} is missing: build it with ./lab k8s build --only {name}')
    return str(path)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wildcard_certificate(directory):
    """A CA and a *.lab.example.test certificate (what cert-manager's wildcard Certificate leaves in its Secret)."""
    def openssl(*arguments):
        subprocess.run(['openssl', *arguments], cwd=directory, check=True, capture_output=True)
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=lab wildcard CA',
            '-keyout', 'ca.key', '-out', 'ca.crt')
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=*.lab.example.test', '-keyout', 'tls.key', '-out', 'tls.csr')
    with open(os.path.join(directory, 'san.ext'), 'w', encoding='utf-8') as handle:
        # The registry runs on 127.0.0.1 here (no DNS in the lab), so the certificate names that address too.
        handle.write('subjectAltName=DNS:*.lab.example.test,DNS:lab.example.test,IP:127.0.0.1\n')
    openssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
            '-extfile', 'san.ext', '-out', 'tls.crt')
    with open(os.path.join(directory, 'tls.crt'), encoding='utf-8') as crt, open(os.path.join(directory, 'tls.key'), encoding='utf-8') as key:
        return crt.read(), key.read()


def run_role(lab, directory, users):
    """The role's preflight, values and tls tasks on the lab control plane; the values go to a file (mode 0600)."""
    values_file = os.path.join(directory, 'values.json')
    playbook = os.path.join(directory, 'registry.yml')
    with open(playbook, 'w', encoding='utf-8') as handle:
        yaml.safe_dump([{
            'name': 'Registry role tasks that need no chart',
            'hosts': 'localhost',
            'connection': 'local',
            'gather_facts': False,
            'module_defaults': {'group/kubernetes.core.k8s': {'kubeconfig': lab.kubeconfig}},
            'vars': {'platform_domain': 'lab.example.test', 'registry_users': users, 'registry_ha_shared_secret': SHARED_SECRET,
                     'registry_htpasswd_cost': 10},
            'tasks': [
                {'name': f'Registry {step}', 'ansible.builtin.include_role': {'name': 'baremetal.platform.registry', 'tasks_from': step + '.yml'}}
                for step in ('preflight', 'values', 'tls')
            ] + [{'name': 'Keep the values for the test', 'no_log': True,
                  'ansible.builtin.copy': {'content': '{{ registry_chart_values | to_json }}', 'dest': values_file, 'mode': '0600'}}],
        }], handle)
    completed = helpers.run_playbook(playbook, env=lab.env)
    output = completed.stdout + completed.stderr
    for user in users:
        assert user['password'] not in output, 'a password was printed:\n' + output
    assert SHARED_SECRET not in output, 'the shared secret was printed:\n' + output
    return completed.returncode, output, values_file


def registry_config(values, directory, port, tls):
    """The chart's configData with the role's merged over it, plus what the chart's Deployment sets (auth, TLS, secret)."""
    version = str(helpers.role_defaults('registry')['registry_chart_version'])
    chart = yaml.safe_load(open(os.path.join(UPSTREAM, 'docker-registry', version, 'values.yaml'), encoding='utf-8'))
    config = copy.deepcopy(chart['configData'])

    def merge(base, extra):
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value
    merge(config, values.get('configData', {}))
    with open(os.path.join(directory, 'htpasswd'), 'w', encoding='utf-8') as handle:
        handle.write(values['secrets']['htpasswd'])
    config['storage']['filesystem'] = {'rootdirectory': os.path.join(directory, 'data')}
    config['http']['addr'] = f'127.0.0.1:{port}'
    config['http']['debug'] = {'addr': f'127.0.0.1:{free_port()}'}
    config['http']['secret'] = values['secrets']['haSharedSecret']
    config['http']['tls'] = {'certificate': tls[0], 'key': tls[1]}
    config['auth'] = {'htpasswd': {'realm': 'Registry Realm', 'path': os.path.join(directory, 'htpasswd')}}
    path = os.path.join(directory, 'config.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(config, handle)
    return path


@pytest.fixture(name='registry')
def registry_fixture(lab_k8s, tmp_path):
    directory = str(tmp_path)
    crt, key = wildcard_certificate(directory)
    lab_k8s.kubectl('create', 'namespace', 'istio-ingress', check=False)
    lab_k8s.kubectl('delete', 'namespace', 'docker-registry', '--wait=true', check=False)
    lab_k8s.apply({'apiVersion': 'v1', 'kind': 'Secret', 'type': 'kubernetes.io/tls',
                   'metadata': {'name': 'wildcard-tls', 'namespace': 'istio-ingress'},
                   'data': {'tls.crt': base64.b64encode(crt.encode()).decode(), 'tls.key': base64.b64encode(key.encode()).decode()}})
    users = [{'name': 'jenkins', 'password': PUSH_PASSWORD}, {'name': 'reader', 'password': OTHER_PASSWORD}]
    code, output, values_file = run_role(lab_k8s, directory, users)
    assert code == 0, output
    with open(values_file, encoding='utf-8') as handle:
        values = json.load(handle)
    copied = lab_k8s.secret_data('docker-registry', values['tlsSecretName'])
    assert copied == {'tls.crt': crt, 'tls.key': key}
    tls = []
    for name in ('tls.crt', 'tls.key'):
        path = os.path.join(directory, 'served-' + name)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(copied[name])
        tls.append(path)
    port = free_port()
    config = registry_config(values, directory, port, tls)
    log = open(os.path.join(directory, 'registry.log'), 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    process = subprocess.Popen([tool('registry'), 'serve', config], stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
    try:
        context = ssl.create_default_context(cafile=os.path.join(directory, 'ca.crt'))
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f'https://127.0.0.1:{port}/v2/', context=context, timeout=2)  # pylint: disable=consider-using-with
            except urllib.error.HTTPError:
                break  # it answers (401: authentication is on)
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail('the registry did not start:\n' + open(log.name, encoding='utf-8').read())
                time.sleep(0.3)
        yield {'port': port, 'context': context, 'directory': directory, 'values': values, 'ca': os.path.join(directory, 'ca.crt')}
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        lab_k8s.kubectl('delete', 'namespace', 'docker-registry', '--wait=false', check=False)
        lab_k8s.kubectl('delete', 'secret', '-n', 'istio-ingress', 'wildcard-tls', check=False)


def status(registry, user=None, password=None):
    request = urllib.request.Request(f"https://127.0.0.1:{registry['port']}/v2/")
    if user:
        request.add_header('Authorization', 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode())
    try:
        with urllib.request.urlopen(request, context=registry['context'], timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def crane(registry, *arguments, docker_config):
    env = dict(os.environ, SSL_CERT_FILE=registry['ca'], DOCKER_CONFIG=docker_config, HOME=registry['directory'])
    return subprocess.run([tool('crane'), *arguments], env=env, capture_output=True, text=True, timeout=120, check=False)


def refused(result):
    """crane failed because the registry answered 401 (HEAD: "401 Unauthorized", GET: "UNAUTHORIZED")."""
    return result.returncode != 0 and ('401 Unauthorized' in result.stderr or 'UNAUTHORIZED' in result.stderr)


def test_htpasswd_and_tls_from_the_role_on_the_real_registry(registry):
    reference = f"127.0.0.1:{registry['port']}/marketplace-api"
    layer = os.path.join(registry['directory'], 'layer.tar')
    subprocess.run(['tar', '-cf', layer, '-C', REPO_ROOT, 'README.md'], check=True)

    # The API: anonymous and a wrong password are refused, each user of the role's htpasswd gets in.
    assert status(registry) == 401
    assert status(registry, 'jenkins', 'not-the-password-0') == 401
    assert status(registry, 'nobody', PUSH_PASSWORD) == 401
    assert status(registry, 'jenkins', PUSH_PASSWORD) == 200
    assert status(registry, 'reader', OTHER_PASSWORD) == 200

    anonymous = os.path.join(registry['directory'], 'anonymous')
    os.makedirs(anonymous)
    pushed = crane(registry, 'append', '-f', layer, '-t', reference + ':v_323', docker_config=anonymous)
    assert refused(pushed), pushed.stderr

    wrong = os.path.join(registry['directory'], 'wrong')
    login = crane(registry, 'auth', 'login', f"127.0.0.1:{registry['port']}", '-u', 'jenkins', '-p', 'not-the-password-0',
                  docker_config=wrong)
    assert login.returncode == 0, login.stderr
    pushed = crane(registry, 'append', '-f', layer, '-t', reference + ':v_323', docker_config=wrong)
    assert refused(pushed), pushed.stderr

    right = os.path.join(registry['directory'], 'right')
    login = crane(registry, 'auth', 'login', f"127.0.0.1:{registry['port']}", '-u', 'jenkins', '-p', PUSH_PASSWORD,
                  docker_config=right)
    assert login.returncode == 0, login.stderr
    pushed = crane(registry, 'append', '-f', layer, '-t', reference + ':v_323', docker_config=right)
    assert pushed.returncode == 0, pushed.stderr
    listed = crane(registry, 'ls', reference, docker_config=right)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ['v_323']
    # Nothing was pushed by the refused attempts, and anonymous listing is refused too.
    listed = crane(registry, 'ls', reference, docker_config=anonymous)
    assert refused(listed), listed.stderr


def test_the_role_refuses_bad_users_before_any_write(lab_k8s, tmp_path):
    lab_k8s.kubectl('delete', 'namespace', 'docker-registry', '--wait=true', check=False)
    code, output, _values = run_role(lab_k8s, str(tmp_path), [{'name': 'jenkins', 'password': 'short-pw'}])
    assert code != 0
    assert 'registry_users[0].password=(8 characters): shorter than registry_password_min_length (12)' in output
    assert 'nothing was changed' in output
    assert lab_k8s.kubectl('get', 'namespace', 'docker-registry', check=False).returncode != 0
