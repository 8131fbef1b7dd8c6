"""Pinned versions and what each Go build produces.

One Kubernetes version is the default; another can be chosen per command (``--kubernetes-version``) so
version-dependent tests can run an older kube-apiserver next to the default one.
"""

import dataclasses
import os
import re

DEFAULT_KUBERNETES_VERSION = "v1.36.3"
KUBERNETES_VERSION_VARIABLE = "BAREMETAL_LAB_K8S_VERSION"
KUBERNETES_VERSION_PATTERN = re.compile(r"^v1\.(\d+)\.(\d+)$")
KUBERNETES_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")


@dataclasses.dataclass(frozen=True)
class Component:
    """One Go build: a wrapper module under gomod/ and the binaries it produces."""

    name: str
    module: str
    version: str
    binaries: tuple  # (binary name, Go package) pairs
    ldflags: tuple = ()
    cgo: bool = False
    hint: str = ""

    @property
    def key(self):
        """Directory name shared by the wrapper module and the cache: <name>-<version>."""
        return f"{self.name}-{self.version}"


# MetalLB: v0.14+ needs github.com/metallb/frr-k8s, which the Go module proxy here refuses (403),
# so the newest buildable controller is v0.13.5 (IPAddressPool/L2Advertisement v1beta1 API, same as today).
TOOLS = {
    "etcd": Component("etcd", "go.etcd.io/etcd/server/v3", "v3.6.8", (("etcd", "go.etcd.io/etcd/server/v3"),)),
    "kwok": Component("kwok", "sigs.k8s.io/kwok", "v0.8.0", (("kwok", "sigs.k8s.io/kwok/cmd/kwok"),),
                      ("-X sigs.k8s.io/kwok/pkg/consts.Version=v0.8.0",)),
    "helm": Component("helm", "helm.sh/helm/v3", "v3.22.0", (("helm", "helm.sh/helm/v3/cmd/helm"),),
                      ("-X helm.sh/helm/v3/internal/version.version=v3.22.0",)),
    "kubeconform": Component("kubeconform", "github.com/yannh/kubeconform", "v0.8.0",
                             (("kubeconform", "github.com/yannh/kubeconform/cmd/kubeconform"),)),
    "metallb": Component("metallb", "go.universe.tf/metallb", "v0.13.5", (("metallb-controller", "go.universe.tf/metallb/controller"),),
                         hint="v0.14 and newer need github.com/metallb/frr-k8s, which the Go module proxy does not serve"),
}

# Built by `lab k8s build` with no arguments; controllers are built too, so `controller start` never compiles.
DEFAULT_TOOLS = ("etcd", "kwok", "helm", "kubeconform", "metallb")


def kubernetes_version(requested=None):
    """The Kubernetes version to use: the argument, else $BAREMETAL_LAB_K8S_VERSION, else the pinned default."""
    version = requested or os.environ.get(KUBERNETES_VERSION_VARIABLE) or DEFAULT_KUBERNETES_VERSION
    if not KUBERNETES_VERSION_PATTERN.match(version):
        from tools.lab.errors import LabError  # pylint: disable=import-outside-toplevel
        raise LabError(f"invalid Kubernetes version {version!r}: give a release tag such as {DEFAULT_KUBERNETES_VERSION}")
    return version


def kubernetes(version, binaries=KUBERNETES_BINARIES):
    """The k8s.io/kubernetes build at ``version`` for the chosen binaries, with version ldflags so /version is real."""
    minor = KUBERNETES_VERSION_PATTERN.match(version).group(1)
    ldflags = []
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        ldflags += [f"-X {package}.gitVersion={version}", f"-X {package}.gitMajor=1", f"-X {package}.gitMinor={minor}",
                    f"-X {package}.gitTreeState=clean"]
    return Component("kubernetes", "k8s.io/kubernetes", version,
                     tuple((binary, f"k8s.io/kubernetes/cmd/{binary}") for binary in binaries), tuple(ldflags))
