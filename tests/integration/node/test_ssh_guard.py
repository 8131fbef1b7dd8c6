"""The node role's sshd step on a real lab host: lock-out guard after the reload, refused
options, a followed port change, rollback, bare-server check mode and the ssh-audit result.

Every test that changes sshd logs in before and after (admin key + sudo, root key).
Tests run in file order on one node: first the bare node (as a fresh VPS: no
python3-apt, stock sshd), then the converged one. Needs root and the lab.
Lab name "sshgrd", subnet 10.213.62.0/24.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import helpers
from tests.fixtures.lab_hosts import REPOSITORY
from tests.integration.test_node_role import output, recap

pytestmark = pytest.mark.lab

NAME = "sshgrd"
SUBNET = "10.213.62.0/24"
NODE = "node1"
DROPIN = "/etc/ssh/sshd_config.d/00-baremetal-platform.conf"
PLAYBOOK = REPOSITORY / "playbooks" / "nodes.yml"
BIN = Path(sys.executable).parent
SSH_OPTIONS = ["-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none", "-o", "IdentitiesOnly=yes",
               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
               "-o", "ConnectTimeout=10"]


class GuardNode:
    """The lab node, the admin key and the nodes phase (rke2, no iSCSI: the short path)."""

    def __init__(self, lab, workdir):
        self.lab = lab
        self.address = next(host.address for host in lab.hosts if host.name == NODE)
        self.admin_key = workdir / "admin_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "admin", "-f", str(self.admin_key)], check=True)
        self.vars_file = workdir / "vars.yml"
        self.vars_file.write_text(
            "node_engine: rke2\nnode_iscsi_enabled: false\nnode_admin_authorized_keys:\n"
            f"  - \"{self.admin_key.with_suffix('.pub').read_text(encoding='utf-8').strip()}\"\n"
            f"node_admin_private_key_file: \"{self.admin_key}\"\n", encoding="utf-8")

    def play(self, *arguments, options=None):
        """Run the nodes phase (with node_ssh_extra_options when given); return the CompletedProcess."""
        extra = ["-e", json.dumps({"node_ssh_extra_options": options})] if options is not None else []
        return helpers.run_playbook(PLAYBOOK, "--limit", NODE, "-e", f"@{self.vars_file}", *extra, *arguments,
                                    inventory=str(self.lab.inventory), connection=None, interpreter=None, timeout=1800)

    def login(self, user, key, command, port=22):
        """A FRESH ssh login; return the CompletedProcess."""
        return subprocess.run(["ssh", *SSH_OPTIONS, "-p", str(port), "-i", str(key), "-l", user, self.address, command],
                              capture_output=True, text=True, timeout=60, check=False)

    def root(self, command, port=22):
        """Run a shell command as root with the lab key; fail the test if it cannot."""
        result = self.login("root", self.lab.ssh_key, command, port=port)
        assert result.returncode == 0, f"{command!r} as root on port {port}: {result.stderr}{result.stdout}"
        return result.stdout

    def assert_logins(self, port=22):
        """The admin logs in with its key and runs sudo, root logs in with its key: the host is not lost."""
        admin = self.login("kubeuser", self.admin_key, "sudo -n id -u", port=port)
        assert (admin.returncode, admin.stdout.strip()) == (0, "0"), f"admin login on port {port}: {admin.stderr}"
        assert self.root("id -u", port=port).strip() == "0"

    def sshd_settings(self):
        """`sshd -T` as a list of lines (multi-valued options kept)."""
        return sorted(self.root("/usr/sbin/sshd -T").splitlines())

    def dropin(self):
        """The drop-in's content ('' when absent)."""
        return self.root(f"cat {DROPIN} 2>/dev/null || true")


def said(result):
    """Everything the run printed, whitespace folded (the YAML callback wraps long messages)."""
    return " ".join(result.stdout.split())


def audit_failures(address, port=22):
    """ssh-audit's [fail] findings (algorithms, host keys, CVEs) for the sshd at ADDRESS."""
    report = audit(address, port)
    failures = [f"({section}) {entry.get('algorithm')}: {'; '.join(entry['notes']['fail'])}"
                for section in ("kex", "key", "enc", "mac") for entry in report.get(section, [])
                if entry.get("notes", {}).get("fail")]
    return failures + [f"CVE {cve.get('name')}" for cve in report.get("cves", [])]


def offered_host_keys(address):
    """The host key algorithms the sshd at ADDRESS offers (as ssh-audit sees them)."""
    return [entry["algorithm"] for entry in audit(address).get("key", [])]


def audit(address, port=22):
    """ssh-audit's JSON report for the sshd at ADDRESS."""
    program = BIN / "ssh-audit"
    if not program.exists():
        pytest.fail("ssh-audit is missing from the venv: pip install -r requirements-dev.txt")
    result = subprocess.run([str(program), "-j", "-p", str(port), address], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.stdout.strip(), f"ssh-audit gave no report (rc {result.returncode}): {result.stderr}"
    return json.loads(result.stdout)


@pytest.fixture(scope="module", name="node")
def node_fixture(lab_hosts, tmp_path_factory):
    """The bare lab node."""
    return GuardNode(lab_hosts(NAME, SUBNET, nodes=1), tmp_path_factory.mktemp("node-guard"))


@pytest.fixture(scope="module", name="converged")
def converged_fixture(node):
    """The node after a real run of the nodes phase."""
    result = node.play()
    assert result.returncode == 0, output(result)
    return node


# --- the bare node: what a fresh VPS gives ---------------------------------------------------

def test_stock_sshd_fails_the_audit(node):
    """Control for the audit test below: the stock Debian 12 sshd has failures."""
    failures = audit_failures(node.address)
    assert len(failures) >= 5, failures
    assert any("ecdh-sha2-nistp256" in failure for failure in failures), failures


def test_check_mode_works_on_a_bare_node_without_python3_apt(node):
    assert "python3-apt" not in node.root("dpkg-query -W -f='${Package}\\n' 'python3-apt*' 2>/dev/null || true"), \
        "the lab node should be as bare as a fresh VPS (no python3-apt)"
    sshd_before = node.sshd_settings()
    result = node.play("--check")
    assert result.returncode == 0, output(result)
    assert "python3-apt must be installed to use check mode" not in said(result)
    assert recap(result)["changed"] > 0
    # The one thing check mode installs is what Ansible needs to look: python3-apt.
    assert node.root("dpkg-query -W -f='${Status}' python3-apt") == "install ok installed"
    assert node.dropin() == "" and node.sshd_settings() == sshd_before
    assert node.root("getent passwd kubeuser || true") == ""


# --- the converged node ------------------------------------------------------------------------

def test_hardened_sshd_passes_the_audit_and_the_controller_connects(converged):
    assert audit_failures(converged.address) == []
    converged.assert_logins()
    settings = converged.sshd_settings()
    kex = next(line for line in settings if line.startswith("kexalgorithms ")).split(" ", 1)[1].split(",")
    assert not [name for name in kex if "nistp" in name or "sha1" in name], kex
    # The lab's node has ed25519 and ECDSA host keys (no RSA): only ed25519 is offered.
    assert set(offered_host_keys(converged.address)) == {"ssh-ed25519"}
    assert converged.root("awk '!/^#/ && $5 < 3071' /etc/ssh/moduli | wc -l").strip() == "0"


def test_rerun_changes_nothing_and_skips_the_guard(converged):
    result = converged.play()
    assert result.returncode == 0, output(result)
    assert recap(result)["changed"] == 0, output(result)
    assert "Log in as the admin user with its key and run sudo" not in said(result), "guard ran though sshd is unchanged"


@pytest.mark.parametrize(("options", "named"), [
    ({"AllowUsers": "nobody"}, "AllowUsers 'nobody' would lock kubeuser out"),
    ({"AllowGroups": "wheel"}, "AllowGroups 'wheel' would lock kubeuser out"),
    ({"DenyUsers": "kube*"}, "DenyUsers 'kube*' would lock kubeuser out"),
    ({"DenyGroups": "kubeuser"}, "DenyGroups 'kubeuser' would lock kubeuser out"),
    ({"AuthenticationMethods": "publickey,password"}, "AuthenticationMethods 'publickey,password' would lock"),
    ({"AuthorizedKeysFile": "/etc/ssh/keys/%u"}, "AuthorizedKeysFile '/etc/ssh/keys/%u' would lock"),
    ({"ForceCommand": "/bin/true"}, "ForceCommand '/bin/true' would lock"),
    ({"ChrootDirectory": "/srv"}, "ChrootDirectory '/srv' would lock"),
    ({"MaxSessions": 0}, "MaxSessions '0' would lock"),
    ({"PubkeyAuthentication": "no"}, "node_ssh_extra_options sets PubkeyAuthentication ('no'), which the role writes"),
    ({"PasswordAuthentication": "yes"}, "node_ssh_extra_options sets PasswordAuthentication ('yes'), which the role"),
    ({"KexAlgorithms": "ecdh-sha2-nistp256"}, "Remove it and use node_ssh_kex_algorithms"),
    ({"Match": "User root"}, "node_ssh_extra_options sets Match"),
], ids=lambda value: next(iter(value)) if isinstance(value, dict) else None)
def test_options_that_can_only_lock_out_are_refused_before_any_change(converged, options, named):
    converged.assert_logins()
    before = (converged.dropin(), converged.sshd_settings())
    result = converged.play(options=options)
    assert result.returncode != 0, output(result)
    assert named in said(result), output(result)
    assert "Nothing was changed" in said(result)
    assert "Write the hardened sshd drop-in" not in said(result), "the run went past preflight"
    assert (converged.dropin(), converged.sshd_settings()) == before
    converged.assert_logins()


def test_nologin_shell_is_named_as_the_cause_in_preflight(converged):
    converged.assert_logins()
    result = converged.play("-e", "node_admin_shell=/usr/sbin/nologin")
    assert result.returncode != 0, output(result)
    assert "node_admin_shell is '/usr/sbin/nologin', which is not a login shell" in said(result), output(result)
    assert "key matches" not in said(result)
    assert converged.root("getent passwd kubeuser | cut -d: -f7").strip() == "/bin/bash"
    converged.assert_logins()


def test_shell_set_by_hand_is_named_as_the_cause_not_the_key(converged):
    """A nologin shell set outside the role: the guard names it (check mode cannot fix it first)."""
    converged.assert_logins()
    try:
        converged.root("usermod -s /usr/sbin/nologin kubeuser")
        result = converged.play("--check", "-e", "node_ssh_max_auth_tries=5")
        assert result.returncode == 0, output(result)
        assert "has the login shell /usr/sbin/nologin, which refuses logins" in said(result), output(result)
        assert "key matches" not in said(result)
    finally:
        converged.root("usermod -s /bin/bash kubeuser")
    converged.assert_logins()


@pytest.mark.parametrize(("options", "named"), [
    ({"ListenAddress": "127.0.0.1"}, "node_ssh_extra_options.ListenAddress (now '127.0.0.1:22'"),
    ({"UsePAM": False}, "node_ssh_extra_options.UsePAM (now 'no', before 'yes')"),
    ({"AllowUsers": "root kubeuser@192.0.2.99"}, "node_ssh_extra_options.AllowUsers (now 'root, kubeuser@192.0.2.99'"),
], ids=["ListenAddress", "UsePAM", "AllowUsers-from-elsewhere"])
def test_lockout_after_the_reload_is_rolled_back_and_named(converged, options, named):
    converged.assert_logins()
    before = (converged.dropin(), converged.sshd_settings())
    result = converged.play(options=options)
    assert result.returncode != 0, output(result)
    assert "Lock-out guard: sshd reloaded with the new drop-in refused kubeuser" in said(result), output(result)
    assert named in said(result), output(result)
    assert "The previous configuration is back and the old way in works again" in said(result), output(result)
    assert (converged.dropin(), converged.sshd_settings()) == before
    converged.assert_logins()


def test_algorithms_the_controller_cannot_use_are_rolled_back_and_named(converged):
    converged.assert_logins()
    before = (converged.dropin(), converged.sshd_settings())
    result = converged.play("-e", '{"node_ssh_kex_algorithms": ["diffie-hellman-group1-sha1"]}')
    assert result.returncode != 0, output(result)
    assert "no matching key exchange method found" in said(result), output(result)
    assert "KexAlgorithms (node_ssh_crypto_policy, node_ssh_kex_algorithms) (now 'diffie-hellman-group1-sha1'" \
        in said(result), output(result)
    assert "The previous configuration is back and the old way in works again" in said(result)
    assert (converged.dropin(), converged.sshd_settings()) == before
    converged.assert_logins()


def test_algorithm_the_node_does_not_support_is_refused_before_any_change(converged):
    before = converged.dropin()
    result = converged.play("-e", '{"node_ssh_macs": ["hmac-sha3-999"]}')
    assert result.returncode != 0, output(result)
    assert "node_ssh_macs lists hmac-sha3-999, which the OpenSSH on node1 does not support" in said(result), output(result)
    assert converged.dropin() == before
    converged.assert_logins()


def test_port_change_is_followed_by_the_guard_and_the_play(converged):
    converged.assert_logins()
    try:
        result = converged.play(options={"Port": 2222})
        assert result.returncode == 0, output(result)
        assert "sshd now listens on port 2222 (was 22)" in said(result), output(result)
        # Tasks after the sshd step ran over the new port.
        assert recap(result)["failed"] == 0 and "Set and persist the kernel parameters" in said(result)
        converged.assert_logins(port=2222)
        assert converged.login("root", converged.lab.ssh_key, "true").returncode == 255, "port 22 still answers"
        again = converged.play("-e", "ansible_port=2222", options={"Port": 2222})
        assert again.returncode == 0 and recap(again)["changed"] == 0, output(again)
    finally:
        back = converged.play("-e", "ansible_port=2222")
        if back.returncode != 0:  # never leave the node on another port
            converged.root(f"sed -i '/^Port /d' {DROPIN} && systemctl reload ssh", port=2222)
    assert back.returncode == 0, output(back)
    assert "sshd now listens on port 22 (was 2222)" in said(back)
    converged.assert_logins()


def test_short_rsa_host_key_is_regenerated_and_served(converged):
    converged.assert_logins()
    converged.root("rm -f /etc/ssh/ssh_host_rsa_key*; ssh-keygen -q -t rsa -b 2048 -N '' -f /etc/ssh/ssh_host_rsa_key")
    result = converged.play()
    assert result.returncode == 0, output(result)
    assert converged.root("ssh-keygen -l -f /etc/ssh/ssh_host_rsa_key.pub").split()[0] == "4096"
    assert "hostkey /etc/ssh/ssh_host_rsa_key" in converged.sshd_settings()
    assert not converged.root("ls /etc/ssh | grep baremetal-previous || true").strip(), "the kept old key was left"
    assert audit_failures(converged.address) == []
    assert set(offered_host_keys(converged.address)) == {"ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"}
    converged.assert_logins()
    assert recap(converged.play())["changed"] == 0


def test_compatible_policy_relaxes_for_old_clients(converged):
    converged.assert_logins()
    try:
        result = converged.play("-e", "node_ssh_crypto_policy=compatible")
        assert result.returncode == 0, output(result)
        settings = converged.sshd_settings()
        assert "ecdh-sha2-nistp256" in next(line for line in settings if line.startswith("kexalgorithms "))
        assert "ecdsa-sha2-nistp256" in offered_host_keys(converged.address)
        converged.assert_logins()
    finally:
        back = converged.play()
    assert back.returncode == 0, output(back)
    assert audit_failures(converged.address) == []
    converged.assert_logins()


def test_socket_activated_sshd_is_hardened_and_a_port_change_is_refused(converged):
    """sshd started by systemd's ssh.socket (Debian 12's unit has Accept=no, the form Ubuntu 24.04 uses by
    default: the socket holds port 22 and starts ssh.service on the first connection): the hardening applies and
    the guard proves the login through the socket, and a Port change, which the socket would not follow, is
    refused before any change."""
    converged.assert_logins()
    # Existing sessions survive (ssh.service has KillMode=process); new logins go through the socket.
    converged.root("systemctl disable --now ssh.service && systemctl enable --now ssh.socket")
    try:
        assert converged.root("systemctl is-active ssh.socket").strip() == "active"
        assert "ssh.socket" in converged.root("systemctl show -p TriggeredBy --value ssh.service")
        converged.assert_logins()
        before = (converged.dropin(), converged.sshd_settings())
        refused = converged.play(options={"Port": 2222})
        assert refused.returncode != 0, output(refused)
        assert "is started by systemd's ssh.socket" in said(refused) and "Nothing was changed" in said(refused), output(refused)
        assert (converged.dropin(), converged.sshd_settings()) == before
        # A setting sshd reads per connection: the guard proves the login through the socket, no reload needed.
        changed = converged.play(options={"ClientAliveInterval": 120})
        assert changed.returncode == 0, output(changed)
        assert "clientaliveinterval 120" in converged.sshd_settings()
        converged.assert_logins()
        assert audit_failures(converged.address) == []
    finally:
        converged.root("systemctl disable --now ssh.socket && systemctl enable ssh.service && systemctl restart ssh.service")
        back = converged.play()
    assert back.returncode == 0, output(back)
    converged.assert_logins()
