"""The lab's SSH key and running commands on nodes as root."""

import os
import subprocess

from tools.lab.commands import run

# Nodes are rebuilt with new host keys on every `up`: never record them.
SSH_OPTIONS = ("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes")


def ensure_key(lab):
    """Generate the lab's ed25519 key once; return the public key line."""
    key = lab.ssh_key
    if not key.exists():
        key.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(key.parent, 0o700)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"baremetal-lab-{lab.name}", "-f", str(key)])
    return key.with_suffix(".pub").read_text(encoding="utf-8").strip()


def ssh_argv(lab, node, command=(), connect_timeout=5, interactive=False):
    """The ssh command line that logs in to ``node`` as root (and runs ``command``)."""
    argv = ["ssh", "-i", str(lab.ssh_key), *SSH_OPTIONS, "-o", f"ConnectTimeout={connect_timeout}"]
    if interactive:
        argv.append("-t")
    return argv + [f"root@{node.address}", *command]


def remote(lab, node, command, timeout=30):
    """Run ``command`` on ``node``; return (exit code, stdout)."""
    try:
        result = subprocess.run(ssh_argv(lab, node, command, connect_timeout=2), capture_output=True, text=True,
                                timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return 255, ""
    return result.returncode, result.stdout.strip()
