"""Run the collection's modules and playbooks against the lab control plane."""
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(REPO, ".ansible", "collections")
ANSIBLE_PLAYBOOK = os.path.join(REPO, ".venv", "bin", "ansible-playbook")
STORAGE_CLASS = "local-path"


def run_module(lab, module_name, check=False, diff=False, **args):
    """Run one of the collection's modules as Ansible runs it (a subprocess reading its arguments); its result."""
    payload = dict(args, kubeconfig=lab.kubeconfig, _ansible_check_mode=check, _ansible_diff=diff)
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    module = os.path.join(REPO, "plugins", "modules", module_name + ".py")
    proc = subprocess.run([sys.executable, module], input=json.dumps({"ANSIBLE_MODULE_ARGS": payload}),
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.stdout, "module printed nothing; stderr: %s" % proc.stderr
    return json.loads(proc.stdout)


def run_playbook(lab, playbook, *arguments, extra_vars=None, inventory="localhost,"):
    """ansible-playbook against the lab; returns the finished process (stdout holds the whole run)."""
    env = dict(lab.env, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_RETRY_FILES_ENABLED="False")
    # The venv's Python has the kubernetes client the modules need.
    argv = [ANSIBLE_PLAYBOOK, "-i", inventory, "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable, str(playbook), *arguments]
    if extra_vars is not None:
        argv += ["-e", json.dumps(extra_vars)]
    return subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)


def get_cluster(lab, namespace, name):
    """The PostgresCluster as the API server holds it, or None."""
    found = lab.kubectl("get", "postgrescluster", "-n", namespace, name, "-o", "json", "--ignore-not-found")
    return json.loads(found.stdout) if found.stdout.strip() else None
