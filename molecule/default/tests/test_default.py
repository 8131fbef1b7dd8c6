"""Basic checks that the lab hosts molecule converged are real, reachable systemd hosts."""


def test_systemd_is_up(host):
    state = host.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded"), state


def test_sshd_is_running(host):
    assert host.service("ssh").is_running


def test_hostname_is_the_inventory_name(host):
    assert host.run("hostname").stdout.strip() == host.backend.get_hostname()


def test_lab_hosts_are_nspawn_containers(host):
    # Shared with molecule/vagrant: only lab inventories set lab_name.
    expected = "systemd-nspawn" if "lab_name" in host.ansible.get_variables() else "none"
    assert host.run("systemd-detect-virt --container").stdout.strip() == expected
