"""The nodes phase (role baremetal.platform.node) against real lab hosts with a real sshd.

Scenarios that need a special setup: the lock-out guard (wrong and missing key), a
broken sshd option, password logins actually attempted, check mode, idempotence,
and the RKE1 + iSCSI path (Docker, open-iscsi).

Tests run in file order: the first ones need a node that was never hardened (and
prove they changed nothing), later ones use the converged node.
Needs root and the lab (scripts/setup). Lab name "nodeit", subnet 10.213.12.0/24.
"""

import hashlib
import os
import re
import subprocess

import paramiko
import pytest

from tests import helpers
from tests.fixtures.lab_hosts import REPOSITORY

pytestmark = pytest.mark.lab

NAME = "nodeit"
SUBNET = "10.213.12.0/24"
NODE = "node1"
DROPIN = "/etc/ssh/sshd_config.d/00-baremetal-platform.conf"
PLAYBOOK = REPOSITORY / "playbooks" / "nodes.yml"
# RKE1 with the seed's iSCSI: the path with the most moving parts.
ENGINE_VARS = ["-e", "node_engine=rke1", "-e", "node_iscsi_enabled=true"]
# What a run may change, read on the node before and after (check mode, failed runs).
SNAPSHOT = ("getent passwd kubeuser; ls -la /etc/ssh/sshd_config.d /etc/sudoers.d; "
            "cat /etc/ssh/sshd_config.d/*.conf 2>/dev/null | sha256sum; "
            "cat /etc/sysctl.d/90-baremetal-platform.conf /etc/modules-load.d/baremetal-platform.conf 2>/dev/null | sha256sum; "
            "dpkg-query -W -f='${Package} ${Status}\\n' open-iscsi docker.io systemd-timesyncd 2>&1; "
            "systemctl is-enabled swap.target 2>&1; sysctl -n net.ipv4.ip_forward")


class NodeLab:
    """One lab node, an admin key pair and a way to run the nodes phase against it."""

    def __init__(self, lab, workdir):
        self.lab = lab
        self.address = next(host.address for host in lab.hosts if host.name == NODE)
        self.admin_key = workdir / "admin_ed25519"
        self.wrong_key = workdir / "wrong_ed25519"
        for key in (self.admin_key, self.wrong_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key.name, "-f", str(key)], check=True)
        self.vars_file = workdir / "node-vars.yml"
        self.vars_file.write_text(
            "node_admin_authorized_keys:\n"
            f"  - \"{self.admin_key.with_suffix('.pub').read_text(encoding='utf-8').strip()}\"\n"
            f"node_admin_private_key_file: \"{self.admin_key}\"\n", encoding="utf-8")

    def play(self, *arguments):
        """Run the nodes phase on NODE; return the CompletedProcess (text)."""
        return helpers.run_playbook(PLAYBOOK, "--limit", NODE, "-e", f"@{self.vars_file}", *ENGINE_VARS, *arguments,
                                    inventory=str(self.lab.inventory), connection=None, interpreter=None, timeout=1800)

    def ssh(self, command):
        """Run a shell command on NODE as root; fail the test if it cannot."""
        result = self.lab.ssh(NODE, command)
        assert result.returncode == 0, f"{command!r} failed on {NODE}: {result.stderr}{result.stdout}"
        return result.stdout

    def snapshot(self):
        """Everything the role may change, as text."""
        return self.lab.ssh(NODE, SNAPSHOT).stdout

    def sshd_settings(self):
        """`sshd -T` as a dict (lower-case keys)."""
        return dict(line.split(" ", 1) for line in self.ssh("/usr/sbin/sshd -T").splitlines() if " " in line)

    def ssh_as(self, user, key, command):
        """A FRESH ssh login (no multiplexing) as ``user`` with ``key``; return the CompletedProcess."""
        return subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none",
                               "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                               "-o", "LogLevel=ERROR", "-i", str(key), "-l", user, self.address, command],
                              capture_output=True, text=True, timeout=60, check=False)


def recap(result):
    """PLAY RECAP counters of NODE, e.g. {'ok': 40, 'changed': 0, 'failed': 0, ...}."""
    match = re.search(rf"^{NODE}\s+:\s+(.*)$", result.stdout, re.MULTILINE)
    assert match, f"no PLAY RECAP for {NODE}:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def leftovers(node):
    """Files in sshd_config.d that are not drop-ins (backups, temporary copies)."""
    return [name for name in node.ssh("ls /etc/ssh/sshd_config.d").split() if not name.endswith(".conf")]


def output(result):
    """The end of a run's output, for assertion messages."""
    return f"rc={result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def password_login(address, user, password):
    """Try a real password (and keyboard-interactive) login; return 'accepted' or why it was refused."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # lab node, throw-away host key
    try:
        client.connect(address, username=user, password=password, look_for_keys=False, allow_agent=False, timeout=30,
                       banner_timeout=30, auth_timeout=30)
        return "accepted"
    except paramiko.BadAuthenticationType as error:
        return f"refused: server allows only {sorted(error.allowed_types)}"
    except paramiko.AuthenticationException as error:
        return f"refused: {error}"
    finally:
        client.close()


@pytest.fixture(scope="module", name="node")
def node_fixture(lab_hosts, tmp_path_factory):
    """One fresh lab node and the admin keys."""
    return NodeLab(lab_hosts(NAME, SUBNET, nodes=1), tmp_path_factory.mktemp("node-role"))


@pytest.fixture(name="real_passwords")
def real_passwords_fixture(node):
    """Give kubeuser (if present) and root a real password; put the old shadow entries back afterwards."""
    users = ["root"] + (["kubeuser"] if node.lab.ssh(NODE, "getent passwd kubeuser").returncode == 0 else [])
    saved = {user: node.ssh(f"getent shadow {user} | cut -d: -f2").strip() for user in users}
    password = "Lab-only-" + hashlib.sha256(os.urandom(16)).hexdigest()[:16]
    try:
        node.ssh("chpasswd <<'EOF'\n" + "".join(f"{user}:{password}\n" for user in users) + "EOF")
        yield users, password
    finally:
        for user, hashed in saved.items():
            node.lab.ssh(NODE, f"usermod -p '{hashed}' {user}")


@pytest.fixture(scope="module", name="converged")
def converged_fixture(node):
    """NODE after a real run of the nodes phase (RKE1 + iSCSI)."""
    result = node.play()
    assert result.returncode == 0, output(result)
    return node


# --- on the fresh node: nothing may change ----------------------------------------------

def test_missing_key_stops_before_any_change(node):
    before = node.snapshot()
    result = node.play("-e", "node_admin_private_key_file=/nonexistent/admin_key")
    assert result.returncode != 0, output(result)
    assert 'node_admin_private_key_file="/nonexistent/admin_key": no such file on the controller' in result.stdout, output(result)
    assert node.snapshot() == before


def test_wrong_key_stops_before_sshd_and_host_stays_reachable(node):
    sshd_before = node.sshd_settings()
    result = node.play("-e", f"node_admin_private_key_file={node.wrong_key}")
    assert result.returncode != 0, output(result)
    assert "Lock-out guard: could not log in" in result.stdout, output(result)
    assert "sshd was NOT changed" in result.stdout
    assert "Reload sshd" not in result.stdout
    assert node.lab.ssh(NODE, f"test -e {DROPIN}").returncode != 0, "the hardened drop-in was written despite the guard"
    assert node.sshd_settings() == sshd_before
    assert sshd_before["passwordauthentication"] == "yes", "the fresh lab node should still allow passwords"
    assert node.ssh("true") == ""  # root still logs in with its key, as before


def test_password_login_works_before_hardening(node, real_passwords):
    """Control for the refusal test below: before hardening the same attempt succeeds.

    The guard test above created kubeuser (it stops only before sshd). Root is not the
    control: Debian's sshd already refuses root passwords (prohibit-password).
    """
    users, password = real_passwords
    assert "kubeuser" in users, "run the whole module: the guard test creates kubeuser"
    assert password_login(node.address, "kubeuser", password) == "accepted"


def test_check_mode_on_a_fresh_node_reports_and_changes_nothing(node):
    """The lab node is as bare as a fresh VPS (no python3-apt): check mode must still run.

    The one thing it installs is python3-apt, which the apt module needs to look.
    """
    python_apt = "dpkg-query -W -f='${Status}' python3-apt 2>/dev/null || true"
    if node.ssh(python_apt) == "install ok installed":  # an earlier test's real run may have installed it
        node.ssh("apt-get -y -q purge python3-apt >/dev/null")
    before = node.snapshot()
    result = node.play("--check", "--diff")
    assert result.returncode == 0, output(result)
    assert "python3-apt must be installed to use check mode" not in result.stdout
    assert recap(result)["changed"] > 0, "check mode should report what it would change on a fresh node"
    assert node.snapshot() == before
    assert node.ssh(python_apt) == "install ok installed"


# --- after a real run --------------------------------------------------------------------

def test_sshd_runs_with_the_hardened_settings(converged):
    settings = converged.sshd_settings()
    assert {key: settings[key] for key in ("passwordauthentication", "kbdinteractiveauthentication", "permitrootlogin",
                                           "maxauthtries", "allowtcpforwarding", "x11forwarding")} == {
        "passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitrootlogin": "without-password",
        "maxauthtries": "3", "allowtcpforwarding": "yes", "x11forwarding": "no"}


def test_password_login_is_refused_for_admin_and_root(converged, real_passwords):
    users, password = real_passwords
    assert users == ["root", "kubeuser"]
    for user in users:
        assert password_login(converged.address, user, password).startswith("refused"), user


def test_admin_key_login_and_sudo(converged):
    result = converged.ssh_as("kubeuser", converged.admin_key, "sudo -n id -u")
    assert (result.returncode, result.stdout.strip()) == (0, "0"), result.stderr
    assert converged.ssh_as("kubeuser", converged.wrong_key, "true").returncode == 255


def test_docker_and_iscsi_as_configured(converged):
    assert converged.ssh("systemctl is-active docker").strip() == "active"
    assert converged.ssh("systemctl is-enabled iscsid docker").split() == ["enabled", "enabled"]
    assert "open-iscsi install ok installed" in converged.snapshot()
    # group docker works for the admin user (RKE1 reaches the socket as this user)
    assert converged.ssh("runuser -u kubeuser -- docker info --format '{{.ServerVersion}}'").strip()
    assert "iscsi_tcp" in converged.ssh("cat /etc/modules-load.d/baremetal-platform.conf").split()


def test_second_run_changes_nothing(converged):
    result = converged.play()
    assert result.returncode == 0, output(result)
    assert recap(result)["changed"] == 0, output(result)


def test_check_mode_on_a_converged_node_reports_no_change(converged):
    before = converged.snapshot()
    result = converged.play("--check")
    assert result.returncode == 0, output(result)
    assert recap(result)["changed"] == 0, output(result)
    assert converged.snapshot() == before


def test_bad_option_is_caught_before_it_reaches_disk(converged):
    dropin_before = converged.ssh(f"sha256sum {DROPIN}")
    result = converged.play("-e", '{"node_ssh_extra_options": {"MaxStartups": "not-a-number"}}')
    assert result.returncode != 0, output(result)
    assert "failed to validate" in result.stdout, output(result)
    assert "Reload sshd" not in result.stdout
    assert converged.ssh(f"sha256sum {DROPIN}") == dropin_before
    assert not leftovers(converged), "backup or temporary files left in sshd_config.d"
    assert converged.ssh_as("kubeuser", converged.admin_key, "true").returncode == 0


def test_broken_sshd_config_rolls_the_dropin_back_and_sshd_keeps_running(converged):
    dropin_before = converged.ssh(f"cat {DROPIN}")
    broken = "/etc/ssh/sshd_config.d/50-injected-broken.conf"
    try:
        converged.ssh(f"echo 'NoSuchSshdOption yes' > {broken}")
        # A changed drop-in in the same run: the complete config fails `sshd -t`.
        result = converged.play("-e", "node_ssh_max_auth_tries=4")
        assert result.returncode != 0, output(result)
        assert "sshd was NOT reloaded" in result.stdout and "previous drop-in put back" in result.stdout, output(result)
        assert "NoSuchSshdOption" in result.stdout
        assert "Reload sshd" not in result.stdout
        assert converged.ssh(f"cat {DROPIN}") == dropin_before
        assert not leftovers(converged), "backup or temporary files left in sshd_config.d"
        assert converged.ssh("systemctl is-active ssh").strip() == "active"
        assert converged.ssh_as("kubeuser", converged.admin_key, "sudo -n true").returncode == 0
    finally:
        converged.lab.ssh(NODE, f"rm -f {broken}")
    assert converged.ssh("/usr/sbin/sshd -t") == ""
