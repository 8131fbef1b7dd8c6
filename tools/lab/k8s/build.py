"""Build the control plane's binaries once and cache them by version.

A build goes to a temporary directory and is renamed into place only when every binary of it linked,
so a failed or interrupted build is never mistaken for a cached one.
"""

import os
import shutil
import subprocess
import time

from tools.lab.errors import LabError
from tools.lab.k8s import gomod, paths, versions

# Upstream data files copied from a component's module next to its binaries: {component: {file: [module paths]}}.
DATA_FILES = {
    # kwok's Stage definitions: nodes become Ready (with leases), pods Running/Succeeded, deleted pods go away.
    "kwok": {"stages.yaml": [f"kustomize/stage/{stage}" for stage in (
        "node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml")]},
    # The v0.13 controller still lists the legacy AddressPool kind, which today's CRD set no longer has.
    "metallb": {"addresspools-crd.yaml": ["config/crd/bases/metallb.io_addresspools.yaml"]},
}


def binary(component, name):
    """Path of a cached binary (it may not exist yet)."""
    return paths.bin_dir(component) / name


def missing(component):
    """Names of the component's binaries and data files not in the cache yet."""
    names = [name for name, _package in component.binaries] + list(DATA_FILES.get(component.name, {}))
    return [name for name in names if not binary(component, name).is_file()]


def _hint(component, tail):
    text = "\n".join(tail)
    if "requires go >=" in text or "go.mod requires go" in text:
        return f"it needs a newer Go than {_go_version()}: install that Go, or pin an older {component.module} release in tools/lab/k8s/versions.py"
    if "403" in text or "not available" in text or "404" in text:
        return f"the Go module proxy does not serve a module it needs: pin another {component.module} release in tools/lab/k8s/versions.py"
    if "gcc" in text or "cgo" in text:
        return "it needs a C compiler: apt-get install build-essential"
    if "no space left" in text:
        return "the disk is full: free space under /root/.cache/go-build or /root/go/pkg/mod"
    return component.hint or "read the build log"


def _go_version():
    result = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or "the installed Go"


def build(component, progress=print):
    """Build what is missing of ``component`` into the cache; return the seconds spent (0 when cached)."""
    todo = missing(component)
    if not todo:
        return 0.0
    if shutil.which("go") is None:
        raise LabError("go is not installed: install Go 1.26 (scripts/setup) to build the lab control plane")
    paths.log_dir().mkdir(parents=True, exist_ok=True)
    log = paths.log_dir() / f"{component.key}.log"
    log.write_text("", encoding="utf-8")
    started = time.monotonic()
    progress(f"building {', '.join(todo)} from {component.module}@{component.version} (log: {log}) ...")
    directory = gomod.ensure(component, log)
    final = paths.bin_dir(component)
    temporary = final.parent / f".{component.key}.{os.getpid()}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        environment = dict(gomod.go_environment(), CGO_ENABLED="1" if component.cgo else "0")
        ldflags = " ".join(("-s", "-w") + component.ldflags)
        # One `go build` per package: `-o` only takes a directory for several packages, and names come from the package.
        for name, package in component.binaries:
            if name not in todo:
                continue
            code, tail = gomod.run_go(["build", "-ldflags", ldflags, "-o", str(temporary / name), package], directory, log, environment)
            if code != 0:
                raise LabError(f"building {name} from {component.module}@{component.version} failed ({gomod.last_error(tail)}); "
                               f"likely fix: {_hint(component, tail)}; full log: {log}")
        _copy_data_files(component, directory, temporary, log)
        final.mkdir(parents=True, exist_ok=True)
        for entry in temporary.iterdir():
            os.replace(entry, final / entry.name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    seconds = time.monotonic() - started
    progress(f"built {component.key} in {seconds:.0f}s")
    return seconds


def _copy_data_files(component, directory, target, log):
    """Keep the data files a component needs at run time next to its binary (the module cache may be cleaned)."""
    files = DATA_FILES.get(component.name)
    if not files:
        return
    code, tail = gomod.run_go(["list", "-m", "-f", "{{.Dir}}", component.module], directory, log)
    if code != 0:
        raise LabError(f"cannot locate the {component.module} module source ({gomod.last_error(tail)}); full log: {log}")
    source = tail[-1].strip()
    for target_name, relative_paths in files.items():
        documents = []
        for relative_path in relative_paths:
            with open(os.path.join(source, relative_path), encoding="utf-8") as handle:
                documents.append(handle.read().strip())
        (target / target_name).write_text("\n---\n".join(documents) + "\n", encoding="utf-8")


def build_all(kubernetes_version, only=None, progress=print):
    """Build the control plane at ``kubernetes_version`` and the tools; ``only`` limits to named binaries/tools."""
    timings = {}
    wanted = set(only or ())
    unknown = wanted - set(versions.KUBERNETES_BINARIES) - set(versions.TOOLS)
    if unknown:
        raise LabError(f"unknown build target(s) {', '.join(sorted(unknown))}: choose from "
                       f"{', '.join(versions.KUBERNETES_BINARIES + tuple(versions.TOOLS))}")
    kube_binaries = [name for name in versions.KUBERNETES_BINARIES if not wanted or name in wanted]
    if kube_binaries:
        component = versions.kubernetes(kubernetes_version, tuple(kube_binaries))
        timings[component.key] = build(component, progress)
    for tool in versions.DEFAULT_TOOLS:
        if not wanted or tool in wanted:
            timings[versions.TOOLS[tool].key] = build(versions.TOOLS[tool], progress)
    return timings
