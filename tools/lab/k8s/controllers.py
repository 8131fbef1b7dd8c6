"""Real controllers run as local processes against a lab control plane (`lab k8s controller start NAME`)."""

import time

from tools.lab.errors import LabError
from tools.lab import procs
from tools.lab.k8s import build, cluster, config, crds, paths, processes, versions
from tools.lab.k8s.api import Api

METALLB_NAMESPACE = "metallb-system"

# Why a controller cannot run here: shown instead of a build error nobody can act on.
UNAVAILABLE = {
    "pgo": ("the Crunchy postgres-operator cannot be built here: the Go module proxy refuses every version of "
            "github.com/crunchydata/postgres-operator (403 'This module version is not available', also for pseudo-versions "
            "of upstream commits), and no other registry serves its source; load its CRDs with `lab k8s crds pgo` instead"),
}


def _running_state(name):
    state = config.load_state(paths.state_dir(name))
    if not cluster.healthy(state):
        raise LabError(f"control plane {name!r} is not running: start it with `lab k8s up --name {name}`")
    return state


def _metallb(state, progress):
    component = versions.TOOLS["metallb"]
    build.build(component, progress)
    crds.load(state, ["metallb"], progress)
    state_dir = paths.state_dir(state["name"])
    Api(state["ports"]["apiserver"], state_dir / "pki").create(
        "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": METALLB_NAMESPACE}})
    # --port=-1: the metrics listener would bind every interface; an invalid port keeps it closed (logged, not fatal).
    # Webhooks are off (no Service can reach a local process), so there are no webhook certificates to rotate.
    argv = [str(build.binary(component, "metallb-controller")), f"--kubeconfig={state_dir / 'admin.kubeconfig'}",
            f"--namespace={METALLB_NAMESPACE}", "--webhook-mode=disabled", "--disable-cert-rotation", "--port=-1",
            "--log-level=info"]
    return processes.start(state_dir, "metallb-controller", argv)


STARTERS = {"metallb": _metallb}
# What a controller logs once its informers have synced and it reconciles: waited for instead of a fixed sleep.
READY_MARKERS = {"metallb": '"msg":"Starting workers"'}
READY_TIMEOUT = 60


def _wait_ready(name, controller, pid):
    log = paths.state_dir(name) / "logs" / f"{controller}-controller.log"
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if not procs.is_alive(pid):
            raise LabError(f"the {controller} controller exited: {processes.log_tail(paths.state_dir(name), f'{controller}-controller')}")
        if log.is_file() and READY_MARKERS[controller] in log.read_text(encoding="utf-8", errors="replace"):
            return
        if time.monotonic() > deadline:
            raise LabError(f"the {controller} controller did not start its workers within {READY_TIMEOUT}s; log: {log}")
        time.sleep(0.2)


def start(name, controller, progress=print):
    """Start ``controller`` (with its CRDs) against control plane ``name``; a running one is left alone."""
    if controller in UNAVAILABLE:
        raise LabError(UNAVAILABLE[controller])
    if controller not in STARTERS:
        raise LabError(f"unknown controller {controller!r}: choose from {', '.join(sorted(set(STARTERS) | set(UNAVAILABLE)))}")
    with cluster.locked(name):
        state = _running_state(name)
        pid = state.get("controllers", {}).get(controller)
        if pid and procs.is_alive(pid):
            progress(f"{controller} controller already running (pid {pid})")
            return pid
        pid = STARTERS[controller](state, progress)
        try:
            _wait_ready(name, controller, pid)
        except LabError:
            procs.stop({pid})
            raise
        state.setdefault("controllers", {})[controller] = pid
        config.save_state(paths.state_dir(name), state)
        progress(f"{controller} controller running (pid {pid}), log: {paths.state_dir(name) / 'logs' / (controller + '-controller.log')}")
        return pid


def stop(name, controller, progress=print):
    """Stop one controller of control plane ``name`` (``down`` stops them all anyway)."""
    with cluster.locked(name):
        state_dir = paths.state_dir(name)
        state = config.load_state(state_dir) or {}
        pid = state.get("controllers", {}).pop(controller, None)
        if pid and processes.belongs(pid, state_dir):
            procs.stop({pid})
            progress(f"{controller} controller stopped")
        if state:
            config.save_state(state_dir, state)
