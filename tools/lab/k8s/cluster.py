"""`lab k8s up | down | status`: one control plane per name, any number side by side."""

import contextlib
import fcntl
import shutil
import time

from tools.lab.errors import LabError
from tools.lab import procs
from tools.lab.k8s import build, commands, config, paths, pki, processes, versions
from tools.lab.k8s.api import Api

NODE_COUNT = 3
CLIENTS = ("admin", "controller-manager", "scheduler", "kwok")
CONTROL_PLANE = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")


STOP_GRACE_SECONDS = 2


@contextlib.contextmanager
def locked(name):
    """Serialise up/down/controller commands on one control plane (a second caller waits, bounded)."""
    paths.state_root().mkdir(parents=True, exist_ok=True)
    with open(paths.state_root() / f".{paths.validate_name(name)}.lock", "w", encoding="utf-8") as handle:
        deadline = time.monotonic() + 120
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as error:
                if time.monotonic() > deadline:
                    raise LabError(f"another `lab k8s` command holds the lock of control plane {name!r} for 2 minutes; wait for it or kill it") from error
                time.sleep(0.5)
        yield


def _wait(what, check, timeout, state_dir, watched):
    """Poll ``check`` until it returns a true value; fail early if a watched process died, or at ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        for process_name, pid in watched.items():
            if not procs.is_alive(pid):
                raise LabError(f"{process_name} exited while waiting for {what}: {processes.log_tail(state_dir, process_name)} "
                               f"(full log: {state_dir / 'logs' / (process_name + '.log')})")
        if time.monotonic() > deadline:
            raise LabError(f"timed out after {timeout}s waiting for {what}; logs are in {state_dir / 'logs'}")
        time.sleep(0.2)


def _ready_nodes(api):
    status, body = api.request("GET", "/api/v1/nodes")
    if status != 200:
        return []
    return [item["metadata"]["name"] for item in body.get("items", [])
            if any(c.get("type") == "Ready" and c.get("status") == "True" for c in item.get("status", {}).get("conditions", []))]


def _binaries(version):
    kube = versions.kubernetes(version)
    default = versions.kubernetes(versions.DEFAULT_KUBERNETES_VERSION)  # one kubectl, etcd and kwok for every control plane
    return {
        "etcd": build.binary(default, "etcd"),
        "kube-apiserver": build.binary(kube, "kube-apiserver"),
        "kube-controller-manager": build.binary(kube, "kube-controller-manager"),
        "kube-scheduler": build.binary(kube, "kube-scheduler"),
        "kubectl": build.binary(default, "kubectl"),
        "kwok": build.binary(default, "kwok"),
        "kwok-stages": build.binary(default, "stages.yaml"),
        "helm": build.binary(versions.TOOLS["helm"], "helm"),
        "kubeconform": build.binary(versions.TOOLS["kubeconform"], "kubeconform"),
    }


def healthy(state):
    """True if the recorded control plane answers /readyz and all its processes are alive."""
    if not state:
        return False
    if not all(procs.is_alive(pid) for pid in state.get("pids", {}).values()):
        return False
    state_dir = paths.state_dir(state["name"])
    status, body = Api(state["ports"]["apiserver"], state_dir / "pki", timeout=3).request("GET", "/readyz")
    return status == 200 and str(body).strip() == "ok"


def up(name=paths.DEFAULT_NAME, version=None, timeout=180, apiserver_only=False, progress=print):  # pylint: disable=too-many-arguments
    """Start (or reuse) the control plane ``name``; return its state (kubeconfig path, ports, version, binaries).

    ``apiserver_only`` runs etcd and kube-apiserver alone (no controllers, no nodes): enough for schema and
    version checks against an older release, and only kube-apiserver has to be built for it.
    """
    version = versions.kubernetes_version(version)
    with locked(name):
        state_dir = paths.state_dir(name)
        state = config.load_state(state_dir)
        if healthy(state):
            if state.get("version") != version or state.get("apiserver_only", False) != apiserver_only:
                raise LabError(f"control plane {name!r} already runs {state.get('version')} (apiserver_only={state.get('apiserver_only', False)}): "
                               f"run `lab k8s down --name {name}` first or pick another --name")
            progress(f"control plane {name!r} is already running ({version}); kubeconfig: {state['kubeconfig']}")
            return state
        if state_dir.exists() or processes.scan(state_dir):
            progress(f"cleaning up the stale state of control plane {name!r} ({state_dir}) left by an earlier run")
            _teardown(state_dir, progress)
        if apiserver_only:
            build.build_all(version, only=["kube-apiserver", "etcd"], progress=progress)
            build.build_all(versions.DEFAULT_KUBERNETES_VERSION, only=["kubectl", "helm", "kubeconform"], progress=progress)
        else:  # controllers (metallb) are built by `lab k8s build` or on `controller start`, not needed here
            build.build_all(version, only=[*versions.KUBERNETES_BINARIES, "etcd", "kwok", "helm", "kubeconform"], progress=progress)
        return _start(name, version, state_dir, timeout, apiserver_only, progress)


def _start(name, version, state_dir, timeout, apiserver_only, progress):  # pylint: disable=too-many-arguments
    started = time.monotonic()
    binaries = _binaries(version)
    state_dir.mkdir(parents=True)
    etcd_port, peer_port, api_port = config.free_ports(3)
    pki.create(state_dir / "pki")
    for client in CLIENTS:
        config.write_kubeconfig(state_dir / f"{client}.kubeconfig", name, api_port, state_dir / "pki", client)
    kubeconfig = state_dir / "kubeconfig"
    shutil.copy(state_dir / "admin.kubeconfig", kubeconfig)
    state = {"name": name, "version": version, "state_dir": str(state_dir), "kubeconfig": str(kubeconfig),
             "server": f"https://127.0.0.1:{api_port}", "ports": {"etcd": etcd_port, "etcd_peer": peer_port, "apiserver": api_port},
             "binaries": {key: str(path) for key, path in binaries.items()}, "pids": {}, "controllers": {}, "apiserver_only": apiserver_only}
    config.save_state(state_dir, state)
    try:
        pids = state["pids"]
        pids["etcd"] = processes.start(state_dir, "etcd", commands.etcd(binaries["etcd"], state_dir, etcd_port, peer_port))
        pids["kube-apiserver"] = processes.start(state_dir, "kube-apiserver",
                                                 commands.kube_apiserver(binaries["kube-apiserver"], state_dir, api_port, etcd_port))
        config.save_state(state_dir, state)
        api = Api(api_port, state_dir / "pki", timeout=5)
        progress(f"waiting for kube-apiserver {version} on 127.0.0.1:{api_port} to be ready ...")
        _wait("kube-apiserver /readyz", lambda: api.request("GET", "/readyz")[0] == 200, timeout, state_dir, pids)
        if apiserver_only:
            return _ready(state, state_dir, [], started, progress)
        pids["kube-controller-manager"] = processes.start(state_dir, "kube-controller-manager", commands.kube_controller_manager(
            binaries["kube-controller-manager"], state_dir, name))
        pids["kube-scheduler"] = processes.start(state_dir, "kube-scheduler", commands.kube_scheduler(binaries["kube-scheduler"], state_dir))
        pids["kwok"] = processes.start(state_dir, "kwok", commands.kwok(binaries["kwok"], binaries["kwok-stages"], state_dir))
        config.save_state(state_dir, state)
        nodes = [f"{name}-node-{index}" for index in range(1, NODE_COUNT + 1)]
        for node in nodes:
            api.create("/api/v1/nodes", commands.node(node))
        progress(f"waiting for {NODE_COUNT} kwok nodes to be Ready ...")
        _wait(f"{NODE_COUNT} Ready nodes", lambda: len(set(_ready_nodes(api)) & set(nodes)) == NODE_COUNT, timeout, state_dir, pids)
        _wait("the default service account", lambda: api.request("GET", "/api/v1/namespaces/default/serviceaccounts/default")[0] == 200,
              timeout, state_dir, pids)
    except BaseException:
        progress(f"start of control plane {name!r} failed; stopping what was started")
        _teardown(state_dir, progress)
        raise
    return _ready(state, state_dir, nodes, started, progress)


def _ready(state, state_dir, nodes, started, progress):
    state["nodes"] = nodes
    state["up_seconds"] = round(time.monotonic() - started, 1)
    config.save_state(state_dir, state)
    what = f"{len(nodes)} Ready nodes" if nodes else "kube-apiserver only"
    progress(f"control plane {state['name']!r} ({state['version']}) is up with {what} in {state['up_seconds']}s")
    progress(f"kubeconfig: {state['kubeconfig']}")
    return state


def _teardown(state_dir, progress):
    """Stop every process of the state dir (pid files and /proc scan) and remove the directory."""
    pids = {pid for pid in processes.recorded(state_dir).values() if processes.belongs(pid, state_dir)} | processes.scan(state_dir)
    # A short grace: the state directory is deleted next, so a graceful kube-apiserver shutdown (10 s) saves nothing.
    left = procs.stop(pids, timeout=STOP_GRACE_SECONDS)
    if left:
        raise LabError(f"processes {sorted(left)} of {state_dir} survived SIGKILL; check `ps -p {','.join(map(str, sorted(left)))}`")
    shutil.rmtree(state_dir, ignore_errors=True)
    if state_dir.exists():
        raise LabError(f"cannot remove {state_dir}: remove it by hand")
    if pids:
        progress(f"stopped {len(pids)} process(es)")


def down(name=paths.DEFAULT_NAME, progress=print):
    """Stop control plane ``name`` and remove its state; safe to repeat and after a crash."""
    with locked(name):
        state_dir = paths.state_dir(name)
        if not state_dir.exists() and not processes.scan(state_dir):
            progress(f"control plane {name!r} is not running")
            return
        _teardown(state_dir, progress)
        progress(f"control plane {name!r} is down")


def names():
    """Names of the control planes that have a state directory."""
    root = paths.state_root()
    return sorted(entry.name for entry in root.iterdir() if entry.is_dir()) if root.is_dir() else []


def status(name):
    """A dict describing control plane ``name`` (running or not)."""
    state_dir = paths.state_dir(name)
    state = config.load_state(state_dir)
    if state is None:
        return {"name": name, "running": False, "state_dir": str(state_dir), "stale": state_dir.exists()}
    report = {"name": name, "running": healthy(state), "version": state["version"], "server": state["server"],
              "kubeconfig": state["kubeconfig"], "state_dir": str(state_dir),
              "processes": {process: ("running" if procs.is_alive(pid) else "dead") for process, pid in state.get("pids", {}).items()}}
    if report["running"]:
        report["ready_nodes"] = _ready_nodes(Api(state["ports"]["apiserver"], state_dir / "pki"))
    return report
