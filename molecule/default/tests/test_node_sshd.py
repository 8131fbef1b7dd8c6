"""Role node on the converged lab hosts: sshd runs with the hardened drop-in."""

import json
import subprocess
import sys
from pathlib import Path

from node_settings import flag

DROPIN = "/etc/ssh/sshd_config.d/00-baremetal-platform.conf"


def effective(host):
    """`sshd -T` as a dict."""
    output = host.check_output("/usr/sbin/sshd -T")
    return dict(line.split(" ", 1) for line in output.splitlines() if " " in line)


def test_dropin_is_in_place(host):
    dropin = host.file(DROPIN)
    assert (dropin.user, dropin.mode) == ("root", 0o644)
    assert "Ansible managed" in dropin.content_string


def test_sshd_uses_the_hardened_settings(host):
    settings = effective(host)
    assert settings["passwordauthentication"] == "no"
    assert settings["kbdinteractiveauthentication"] == "no"
    assert settings["pubkeyauthentication"] == "yes"
    assert settings["x11forwarding"] == "no"
    assert settings["permitrootlogin"] in ("without-password", "no")
    assert int(settings["maxauthtries"]) == int(host.ansible.get_variables().get("node_ssh_max_auth_tries", 3))


def test_tcp_forwarding_only_for_rke1(host):
    assert effective(host)["allowtcpforwarding"] == ("yes" if flag(host, "node_ssh_allow_tcp_forwarding") else "no")


def test_sshd_is_running_on_a_valid_config(host):
    assert host.service("ssh").is_running
    assert host.run("/usr/sbin/sshd -t").rc == 0


def test_sshd_offers_only_modern_algorithms(host):
    settings = effective(host)
    offered = ",".join(settings[key] for key in ("kexalgorithms", "ciphers", "macs", "hostkeyalgorithms"))
    weak = [name for name in offered.split(",") if "nistp" in name or "sha1" in name or name.endswith("-cbc")
            or name in ("diffie-hellman-group14-sha256", "hmac-sha2-256", "hmac-sha2-512", "umac-64@openssh.com")]
    assert not weak, weak
    # The role's drop-in serves ed25519 (and RSA >= 3072) host keys only; HostKeyAlgorithms
    # (checked above) keeps sshd from offering a key another file adds (the lab adds ECDSA).
    ours = [line.split(" ", 1)[1] for line in host.file(DROPIN).content_string.splitlines() if line.startswith("HostKey ")]
    assert ours and all(key.endswith(("_ed25519_key", "_rsa_key")) for key in ours), ours


def test_ssh_audit_reports_no_failures(host):
    """ssh-audit (requirements-dev.txt) from the controller against the node: 0 failures."""
    program = Path(sys.executable).parent / "ssh-audit"
    assert program.exists(), "ssh-audit is missing: pip install -r requirements-dev.txt"
    result = subprocess.run([str(program), "-j", host.ansible.get_variables()["ansible_host"]], capture_output=True,
                            text=True, timeout=120, check=False)
    report = json.loads(result.stdout)
    failures = [entry["algorithm"] for section in ("kex", "key", "enc", "mac") for entry in report.get(section, [])
                if entry.get("notes", {}).get("fail")] + [cve.get("name") for cve in report.get("cves", [])]
    assert failures == []
