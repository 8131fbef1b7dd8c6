"""Role node on the converged lab hosts: the admin user, its keys, sudo, key login (settings: node_settings.py)."""

import subprocess

from node_settings import setting


def test_admin_user_exists(host):
    user = host.user(setting(host, "node_admin_user"))
    assert user.exists
    assert user.shell == setting(host, "node_admin_shell")
    assert host.file(user.home).is_directory


def test_admin_keys_are_authorized(host):
    user = host.user(setting(host, "node_admin_user"))
    authorized = host.file(f"{user.home}/.ssh/authorized_keys")
    assert authorized.user == user.name and authorized.mode == 0o600
    lines = authorized.content_string.splitlines()
    for key in setting(host, "node_admin_authorized_keys"):
        assert key.strip() in lines


def test_sudoers_file_is_valid_and_grants_sudo(host):
    name = setting(host, "node_admin_user")
    sudoers = host.file(f"/etc/sudoers.d/{name.replace('.', '_')}")
    assert (sudoers.user, sudoers.group, sudoers.mode) == ("root", "root", 0o440)
    assert host.run(f"visudo -cf {sudoers.path}").rc == 0
    result = host.run(f"runuser -u {name} -- sudo -n id -u")
    assert (result.rc, result.stdout.strip()) == (0, "0"), result.stderr


def test_key_login_as_admin_from_the_controller(host):
    variables = host.ansible.get_variables()
    key = setting(host, "node_admin_private_key_file")
    result = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none",
                             "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                             "-o", "LogLevel=ERROR", "-i", key, "-l", setting(host, "node_admin_user"),
                             variables["ansible_host"], "sudo -n id -u"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "0"), result.stderr
