"""Build the control plane's binaries once and cache them by version.

A build goes to a temporary directory and is renamed into place only when every binary of it linked,
so a failed or interrupted build is never mistaken for a cached one.
"""

import os
import re
import shutil
import subprocess
import time

from tools.lab.errors import LabError
from tools.lab.k8s import gomod, paths, versions

# Upstream data files copied from a binary's module next to it: {binary: (module, {file: [paths in the module]})}.
DATA_FILES = {
    # kwok's Stage definitions: nodes become Ready (with leases), pods Running/Succeeded, deleted pods go away.
    "kwok": ("sigs.k8s.io/kwok", {"stages.yaml": [f"kustomize/stage/{stage}" for stage in (
        "node/fast/node-initialize.yaml", "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "pod/fast/pod-ready.yaml", "pod/fast/pod-complete.yaml", "pod/fast/pod-delete.yaml")]}),
}


def binary(component, name):
    """Path of a cached binary (it may not exist yet)."""
    return paths.bin_dir(component) / name


def missing(component):
    """Names of the component's binaries and data files not in the cache yet."""
    names = []
    for member in component.binaries:
        names += [member.name] + list(DATA_FILES.get(member.name, ("", {}))[1])
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
    directory = gomod.ensure(versions.full_set(component), log)
    final = paths.bin_dir(component)
    temporary = final.parent / f".{component.key}.{os.getpid()}.tmp"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    try:
        environment = dict(gomod.go_environment(), CGO_ENABLED="1" if component.cgo else "0")
        ldflags = " ".join(("-s", "-w") + component.ldflags)
        # One `go build` for the whole set: packages shared by its binaries compile once, and the two cores stay busy.
        packages = [member.package for member in component.binaries if member.name in todo]
        before = gomod.compiled_count(log)

        def heartbeat(seconds, compiled):
            progress(f"  ... {component.key}: {seconds / 60:.0f} min, {compiled - before} packages compiled so far")

        # -v lists each package as it is compiled (into the log), which the heartbeat counts.
        code, tail = (gomod.run_go(["build", "-v", "-trimpath", "-ldflags", ldflags, "-o", f"{temporary}/", *packages],
                                   directory, log, environment, heartbeat=heartbeat) if packages else (0, []))
        if code != 0:
            raise LabError(f"building {', '.join(todo)} from {component.module}@{component.version} failed ({gomod.last_error(tail)}); "
                           f"likely fix: {_hint(component, tail)}; full log: {log}")
        _rename_binaries(component, temporary)
        _copy_data_files(component, directory, temporary, log)
        final.mkdir(parents=True, exist_ok=True)
        for entry in temporary.iterdir():
            os.replace(entry, final / entry.name)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    seconds = time.monotonic() - started
    progress(f"built {component.key} ({', '.join(todo)}) in {seconds:.0f}s")
    return seconds


def _go_output_name(package):
    """The name `go build -o DIR/` gives a package's binary: its last path element, skipping a /vN suffix."""
    parts = package.rstrip("/").split("/")
    return parts[-2] if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]) else parts[-1]


def _rename_binaries(component, directory):
    """Give each binary the set's name for it (go.etcd.io/etcd/server/v3 builds as 'server', we call it 'etcd')."""
    for member in component.binaries:
        built = directory / _go_output_name(member.package)
        if built.is_file() and built.name != member.name:
            os.replace(built, directory / member.name)


def _copy_data_files(component, directory, target, log):
    """Keep the data files a binary needs at run time next to it (the module cache may be cleaned)."""
    for member in component.binaries:
        if member.name not in DATA_FILES:
            continue
        module, files = DATA_FILES[member.name]
        code, tail = gomod.run_go(["list", "-m", "-f", "{{.Dir}}", module], directory, log)
        if code != 0:
            raise LabError(f"cannot locate the {module} module source ({gomod.last_error(tail)}); full log: {log}")
        source = tail[-1].strip()
        for target_name, relative_paths in files.items():
            documents = []
            for relative_path in relative_paths:
                with open(os.path.join(source, relative_path), encoding="utf-8") as handle:
                    documents.append(handle.read().strip())
            (target / target_name).write_text("\n---\n".join(documents) + "\n", encoding="utf-8")


def build_all(kubernetes_version, only=None, progress=print):
    """Build the control plane at ``kubernetes_version`` and the tools; ``only`` limits to named binaries/tools.

    Targets are grouped by module set, so each set is one `go build`. Returns {set key: seconds (0 = cached)}.
    """
    wanted = list(only or versions.TARGETS)
    unknown = sorted(set(wanted) - set(versions.TARGETS))
    if unknown:
        raise LabError(f"unknown build target(s) {', '.join(unknown)}: choose from {', '.join(versions.TARGETS)}")
    sets = {}
    for target in wanted:
        component = versions.set_of(target, kubernetes_version)
        names = sets.setdefault(component.key, (component, []))[1]
        names.append(target)
    timings = {}
    for key, (component, names) in sets.items():
        whole = component.name in versions.TOOLS  # a tool is one target, whatever its binary is called
        timings[key] = build(component if whole else versions.full_set(component).only(names), progress)
    return timings
