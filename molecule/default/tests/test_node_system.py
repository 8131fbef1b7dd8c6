"""Role node on the converged lab hosts: kernel settings, swap, time sync, iSCSI and Docker as configured."""

import re


def variables(host):
    """The host's inventory variables."""
    return host.ansible.get_variables()


def engine(host):
    """The engine the nodes were prepared for."""
    found = variables(host)
    return found.get("node_engine", found.get("platform_engine", "rke2"))


def iscsi_wanted(host):
    """node_iscsi_enabled, else automatic: a legacy (< 4) OpenEBS chart."""
    found = variables(host)
    if "node_iscsi_enabled" in found:
        return str(found["node_iscsi_enabled"]).lower() in ("true", "yes", "1")
    return int(str(found.get("platform_openebs_chart_version", "4")).lstrip("v").split(".", maxsplit=1)[0]) < 4


def test_kernel_modules_persisted(host):
    modules = host.file("/etc/modules-load.d/baremetal-platform.conf").content_string.split()
    assert {"br_netfilter", "overlay"} <= set(modules)
    assert ("iscsi_tcp" in modules) == iscsi_wanted(host)


def test_sysctls_applied_and_persisted(host):
    assert host.sysctl("net.ipv4.ip_forward") == 1
    assert host.sysctl("net.bridge.bridge-nf-call-iptables") == 1
    persisted = host.file("/etc/sysctl.d/90-baremetal-platform.conf").content_string
    assert re.search(r"^net.ipv4.ip_forward\s*=\s*1$", persisted, re.MULTILINE)


def test_swap_kept_off(host):
    assert host.run("systemctl is-enabled swap.target").stdout.strip() == "masked"
    active_fstab_swap = [line for line in host.file("/etc/fstab").content_string.splitlines()
                         if not line.lstrip().startswith("#") and len(line.split()) > 2 and line.split()[2] == "swap"]
    assert not active_fstab_swap


def test_time_sync_enabled(host):
    assert host.package("systemd-timesyncd").is_installed
    assert host.service("systemd-timesyncd").is_enabled


def test_iscsi_as_configured(host):
    if iscsi_wanted(host):
        assert host.package("open-iscsi").is_installed
        assert host.service("iscsid").is_enabled
    else:
        assert not host.package("open-iscsi").is_installed


def test_docker_as_configured(host):
    if engine(host) == "rke1":
        assert host.package("docker.io").is_installed
        assert host.service("docker").is_running
        assert "docker" in host.user("kubeuser").groups
    else:
        assert not host.package("docker.io").is_installed
