"""Basic checks that the lab hosts molecule converged are real, reachable systemd hosts."""


def test_systemd_is_up(host):
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded"), state


def test_sshd_is_running(host):
    assert host.service("ssh").is_running


def test_host_is_a_lab_container_with_the_inventory_name(host):
    assert host.run("systemd-detect-virt --container").stdout.strip() == "systemd-nspawn"
    assert host.run("hostname").stdout.strip() == host.backend.get_hostname()
