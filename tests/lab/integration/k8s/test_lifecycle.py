"""`lab k8s up/down/status` survive repeats, crashes and stale state, and leave nothing running."""

import os
import signal

import pytest

from tools.lab.errors import LabError
from tools.lab import procs
from tools.lab.k8s import cli, cluster, config, controllers, paths, processes

pytestmark = pytest.mark.k8s

NAME = "second"


def _quiet(_line):
    pass


@pytest.fixture(name="second_plane")
def second_plane_fixture():
    if os.geteuid() != 0:
        pytest.fail("the lab control plane needs root: run pytest as root")
    try:
        yield cluster.up(NAME, progress=_quiet)
    finally:
        cluster.down(NAME, progress=_quiet)


def test_two_control_planes_run_side_by_side_on_their_own_ports(lab_k8s, second_plane):
    assert second_plane["server"] != lab_k8s.server
    assert set(second_plane["ports"].values()).isdisjoint(lab_k8s.state["ports"].values())
    assert cluster.status(NAME)["ready_nodes"] == second_plane["nodes"]


def test_up_again_reuses_the_running_control_plane(second_plane):
    again = cluster.up(NAME, progress=_quiet)
    assert again["pids"] == second_plane["pids"]


def test_up_after_kill_9_cleans_up_and_starts_fresh(second_plane):
    state_dir = paths.state_dir(NAME)
    old = processes.scan(state_dir)
    assert set(second_plane["pids"].values()) <= old
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    assert procs.stop(old, timeout=5) == set()
    assert not cluster.status(NAME)["running"]
    fresh = cluster.up(NAME, progress=_quiet)
    assert cluster.status(NAME)["running"]
    assert set(fresh["pids"].values()).isdisjoint(old)


def test_down_stops_everything_and_is_safe_twice(second_plane):
    state_dir = paths.state_dir(NAME)
    pids = set(second_plane["pids"].values())
    cluster.down(NAME, progress=_quiet)
    cluster.down(NAME, progress=_quiet)
    assert not state_dir.exists()
    assert not processes.scan(state_dir)
    assert not any(procs.is_alive(pid) for pid in pids)


def test_down_finds_processes_whose_pid_files_are_gone(second_plane):
    state_dir = paths.state_dir(NAME)
    for pid_file in (state_dir / "run").glob("*.pid"):
        pid_file.unlink()
    (state_dir / config.STATE_FILE).unlink()
    cluster.down(NAME, progress=_quiet)
    assert not any(procs.is_alive(pid) for pid in second_plane["pids"].values())


def test_commands_on_a_stopped_control_plane_fail_with_the_fix(capsys):
    assert cli.main(["crds", "--name", "absent", "metallb"]) == 1
    assert "lab k8s up --name absent" in capsys.readouterr().err
    with pytest.raises(LabError, match="lab k8s up --name absent"):
        controllers.start("absent", "metallb", progress=_quiet)


def test_pgo_controller_request_explains_why_it_is_unavailable():
    with pytest.raises(LabError, match="github.com/crunchydata/postgres-operator"):
        controllers.start(NAME, "pgo", progress=_quiet)


def test_unknown_crd_set_fails_loudly(lab_k8s):
    with pytest.raises(LabError, match="unknown CRD set 'nope': known sets are cert-manager, metallb, pgo, istio"):
        lab_k8s.load_crds("nope")
