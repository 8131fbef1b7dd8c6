"""Role node on the converged lab hosts: sshd runs with the hardened drop-in."""

DROPIN = "/etc/ssh/sshd_config.d/00-baremetal-platform.conf"


def effective(host):
    """`sshd -T` as a dict."""
    output = host.check_output("/usr/sbin/sshd -T")
    return dict(line.split(" ", 1) for line in output.splitlines() if " " in line)


def engine(host):
    """The engine the nodes were prepared for."""
    variables = host.ansible.get_variables()
    return variables.get("node_engine", variables.get("platform_engine", "rke2"))


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
    assert effective(host)["allowtcpforwarding"] == ("yes" if engine(host) == "rke1" else "no")


def test_sshd_is_running_on_a_valid_config(host):
    assert host.service("ssh").is_running
    assert host.run("/usr/sbin/sshd -t").rc == 0
