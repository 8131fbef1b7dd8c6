"""Run the collection's modules and playbooks as Ansible runs them: the one copy every test uses.

* ``run_module``   one module of ``plugins/modules`` in a subprocess reading its arguments, as Ansible runs it;
                   returns its JSON result.
* ``run_playbook`` ``ansible-playbook`` of the venv with the repository's ``ansible.cfg``; returns the finished
                   process (``stdout`` holds the whole run).
* ``venv_tool``    a command installed next to the Python that runs the tests (``ansible-playbook``, ...).
* ``role_defaults`` a role's ``defaults/main.yml``, read (never copied into a test).

Test data: the upstream data pack is read by ``tests/unit/upstream/upstream_data.py`` (``../shared/upstream`` next
to the checkout, or ``$BAREMETAL_UPSTREAM_DATA``); the fixture charts are ``tests/fixtures/charts``. Both fail with
where they looked when missing (see docs/DEVELOPING.md, "Tests").
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO_ROOT, ".ansible", "collections")
MODULES = os.path.join(REPO_ROOT, "plugins", "modules")
# A closed local port: a module that reaches for the API there fails with a connection error.
NO_API = {"host": "https://127.0.0.1:9", "api_key": "unused", "validate_certs": False}
# A kubeconfig whose API server nothing listens on: for roles that must stop before they reach it.
UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: none, user: {token: not-a-token}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""
# What a run against UNREACHABLE_KUBECONFIG prints once its input checks have passed and its first
# cluster step fails: the API server's address, or, where no helm is installed yet (the unit step
# runs before the lab has built one), kubernetes.core's search for the helm binary of the first
# chart release. A check that stops the run prints neither.
_PAST_THE_CHECKS = re.compile(r'127\.0\.0\.1|Failed to find required executable "helm"')


def reached_the_cluster(output):
    """True when a run got past its input checks to its first API server or Helm call."""
    return bool(_PAST_THE_CHECKS.search(output))


def venv_tool(name):
    """A command of the venv that runs the tests; a clear error when it is not installed."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.isfile(path):
        raise RuntimeError("%s is missing next to %s: run scripts/setup and use .venv/bin/pytest" % (name, sys.executable))
    return path


def without_k8s_auth(env=None):
    """``env`` (default: this process's) without K8S_AUTH_* variables, so only the given options reach the API."""
    return dict((key, value) for key, value in (os.environ if env is None else env).items() if not key.startswith("K8S_AUTH_"))


def run_module(module, args, check=False, diff=False, env=None, python=None, timeout=300, secrets=()):
    """Run ``plugins/modules/<module>.py`` with ``args`` as Ansible runs it and return its JSON result.

    ``env`` is the base environment (default: this process's); PYTHONPATH is set to the collection link.
    ``python`` runs the module (default: the tests' Python). No text of ``secrets`` may appear in its output.
    """
    payload = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    environment = dict(os.environ if env is None else env, PYTHONPATH=COLLECTIONS)
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="args-", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
    try:
        proc = subprocess.run([python or sys.executable, os.path.join(MODULES, module + ".py"), handle.name],
                              capture_output=True, text=True, env=environment, timeout=timeout, check=False)
    finally:
        os.unlink(handle.name)
    for secret in secrets:
        assert secret not in proc.stdout + proc.stderr, "%s printed a secret" % module
    assert proc.stdout, "%s printed nothing; stderr: %s" % (module, proc.stderr)
    try:
        return json.loads(proc.stdout)
    except ValueError as error:
        raise AssertionError("%s printed no JSON (%s): %s %s" % (module, error, proc.stdout, proc.stderr)) from error


def run_playbook(playbook, *arguments, inventory="localhost,", connection="local", extra_vars=None, env=None,
                 settings=None, timeout=600, cwd=REPO_ROOT, interpreter=sys.executable):
    """``ansible-playbook playbook *arguments`` with the repository's ansible.cfg; the finished process.

    ``inventory`` and ``connection`` (None: the inventory's own) are passed as -i and -c; ``interpreter`` (default:
    the tests' Python; None: the inventory's own) is ansible_python_interpreter; ``extra_vars`` (a dict) goes in as
    JSON, last. ``arguments`` are any other options (``--check``, ``--diff``, ``--tags``, ``--limit``, ``-e @file``).
    ``env`` is the base environment (default: this process's; a test double's variables go here), ``settings`` are
    ANSIBLE_* variables put on top (e.g. a stdout callback, or ANSIBLE_COLLECTIONS_PATH with a stand-in first).
    """
    environment = dict(os.environ if env is None else env, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, "ansible.cfg"),
                       ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
                       ANSIBLE_FACT_CACHING="memory", ANSIBLE_RETRY_FILES_ENABLED="False")
    environment.update(settings or {})
    argv = [venv_tool("ansible-playbook"), "-i", inventory]
    argv += ["-c", connection] if connection else []
    argv += ["-e", "ansible_python_interpreter=" + interpreter] if interpreter else []
    argv += [str(playbook), *arguments]
    if extra_vars is not None:
        argv += ["-e", json.dumps(extra_vars)]
    return subprocess.run(argv, env=environment, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def write_playbook(path, plays):
    """Write ``plays`` (a list of plays) to ``path`` as a playbook; returns ``path``."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(plays, handle)
    return path


def role_defaults(role):
    """``roles/<role>/defaults/main.yml`` as YAML reads it (templated values stay text): a test that means the
    role's default reads it here, so changing the default cannot leave a stale copy passing or failing."""
    with open(os.path.join(REPO_ROOT, "roles", role, "defaults", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}
