"""Loading upstream CRD sets (kept as data in shared/crds/<set>) into a lab control plane.

Server-side apply: the largest CRDs (PGO's PostgresCluster, ~2.8 MB) exceed the 256 KiB annotation limit of
client-side apply. kubectl is the one built with the control plane, never a host kubectl.
"""

import subprocess

from tools.lab.errors import LabError
from tools.lab.k8s import paths

KNOWN_SETS = ("cert-manager", "metallb", "pgo", "istio")


def set_files(name):
    """The YAML files of CRD set ``name``; fail loudly when the set is missing."""
    directory = paths.crds_root() / name
    files = sorted(directory.glob("*.yaml")) if directory.is_dir() else []
    if not files:
        raise LabError(f"CRD set {name!r} not found: expected YAML files in {directory} "
                       f"(shared/crds next to the checkout, or set BAREMETAL_LAB_CRDS); known sets: {', '.join(KNOWN_SETS)}")
    return files


def kubectl(state, *arguments, timeout=300):
    """Run the lab's kubectl against control plane ``state``; return stdout, or fail with its error."""
    argv = [state["binaries"]["kubectl"], f"--kubeconfig={state['kubeconfig']}", *arguments]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise LabError(f"kubectl {' '.join(arguments[:3])} did not finish within {timeout}s") from error
    if result.returncode != 0:
        raise LabError(f"kubectl {' '.join(arguments[:3])} failed: {result.stderr.strip()[-500:]}")
    return result.stdout


def apply_files(state, files, progress=print):
    """Server-side apply CRD files and wait until every CRD is Established."""
    arguments = []
    for path in files:
        arguments += ["-f", str(path)]
    kubectl(state, "apply", "--server-side", "--force-conflicts", "--field-manager=baremetal-lab", *arguments)
    kubectl(state, "wait", "--for=condition=Established", "--timeout=120s", *arguments)
    progress(f"applied {len(files)} CRD file(s): {', '.join(path.name for path in files)}")


def load(state, names, progress=print):
    """Load the named CRD sets (all files checked before anything is applied)."""
    files = {name: set_files(name) for name in names}
    for name in names:
        progress(f"loading CRD set {name} ...")
        apply_files(state, files[name], progress)
