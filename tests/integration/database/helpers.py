"""Run the collection's modules and playbooks against the lab control plane."""
import json

from tests import helpers

REPO = helpers.REPO_ROOT
STORAGE_CLASS = "local-path"


def run_module(lab, module_name, check=False, diff=False, **args):
    """Run one of the collection's modules against the lab's API server as Ansible runs it; its result."""
    return helpers.run_module(module_name, dict(args, kubeconfig=lab.kubeconfig), check=check, diff=diff)


def run_playbook(lab, playbook, *arguments, extra_vars=None, inventory="localhost,"):
    """ansible-playbook against the lab; returns the finished process (stdout holds the whole run)."""
    return helpers.run_playbook(playbook, *arguments, inventory=inventory, extra_vars=extra_vars, env=lab.env,
                                settings={"ANSIBLE_HOST_KEY_CHECKING": "False"})


def get_cluster(lab, namespace, name):
    """The PostgresCluster as the API server holds it, or None."""
    found = lab.kubectl("get", "postgrescluster", "-n", namespace, name, "-o", "json", "--ignore-not-found")
    return json.loads(found.stdout) if found.stdout.strip() else None
