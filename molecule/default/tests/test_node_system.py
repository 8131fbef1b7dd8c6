"""Role node on the converged lab hosts: kernel settings, swap, time sync, iSCSI and Docker as configured."""

import re

from node_settings import flag, setting


def test_kernel_modules_persisted(host):
    modules = host.file("/etc/modules-load.d/baremetal-platform.conf").content_string.split()
    assert set(setting(host, "node_kernel_modules")) <= set(modules)
    assert ("iscsi_tcp" in modules) == flag(host, "node_iscsi_enabled")


def test_sysctls_applied_and_persisted(host):
    wanted = setting(host, "node_sysctls")
    assert wanted, "node_sysctls is empty: nothing to verify"
    persisted = host.file("/etc/sysctl.d/90-baremetal-platform.conf").content_string
    for name, value in wanted.items():
        assert str(host.sysctl(name)) == str(value), name
        assert re.search(r"^%s\s*=\s*%s$" % (re.escape(name), re.escape(str(value))), persisted, re.MULTILINE), name


def test_swap_kept_off(host):
    assert host.run("systemctl is-enabled swap.target").stdout.strip() == "masked"
    active_fstab_swap = [line for line in host.file("/etc/fstab").content_string.splitlines()
                         if not line.lstrip().startswith("#") and len(line.split()) > 2 and line.split()[2] == "swap"]
    assert not active_fstab_swap


def test_time_sync_enabled(host):
    # The role's default is systemd-timesyncd (the package and the service have its name); chrony's service is chrony.
    chosen = setting(host, "node_time_sync")
    assert chosen in ("systemd-timesyncd", "chrony"), "verify knows systemd-timesyncd and chrony, not %r" % chosen
    assert host.package(chosen).is_installed
    assert host.service(chosen).is_enabled


def test_iscsi_as_configured(host):
    if flag(host, "node_iscsi_enabled"):
        assert host.package("open-iscsi").is_installed
        assert host.service("iscsid").is_enabled
    else:
        assert not host.package("open-iscsi").is_installed


def test_docker_as_configured(host):
    if flag(host, "node_docker_enabled"):
        assert host.package("docker.io" if setting(host, "node_docker_source") == "distribution" else "docker-ce").is_installed
        assert host.service("docker").is_running
        assert "docker" in host.user(setting(host, "node_admin_user")).groups
    else:
        assert not host.package("docker.io").is_installed
