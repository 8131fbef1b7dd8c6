"""Pinned versions and what each Go build produces.

One Kubernetes version is the default; another can be chosen per command (``--kubernetes-version``) so
version-dependent tests can run an older kube-apiserver next to the default one.

A build is one *module set*: one wrapper module under gomod/ and one `go build` for all its binaries.
etcd and kwok are built in the default Kubernetes module set, not in modules of their own: they share
k8s.io/client-go, etcd's client, gRPC and protobuf with kube-apiserver, so Go compiles those packages once
(on a cold 2-core machine that saves minutes, and the binaries use the same library versions).
"""

import dataclasses
import os
import re

DEFAULT_KUBERNETES_VERSION = "v1.36.3"
KUBERNETES_VERSION_VARIABLE = "BAREMETAL_LAB_K8S_VERSION"
KUBERNETES_VERSION_PATTERN = re.compile(r"^v1\.(\d+)\.(\d+)$")
KUBERNETES_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")


@dataclasses.dataclass(frozen=True)
class Binary:
    """One binary of a module set: its Go package and the release of the module that holds it."""

    name: str
    package: str
    version: str


@dataclasses.dataclass(frozen=True)
class Component:
    """One module set: a wrapper module under gomod/, the binaries one `go build` makes from it."""

    name: str
    module: str
    version: str
    binaries: tuple  # Binary, ...
    ldflags: tuple = ()
    cgo: bool = False
    hint: str = ""

    @property
    def key(self):
        """Directory name shared by the wrapper module and the cache: <name>-<version>."""
        return f"{self.name}-{self.version}"

    def only(self, names):
        """The same module set limited to the binaries called ``names``."""
        return dataclasses.replace(self, binaries=tuple(b for b in self.binaries if b.name in names))


# Built inside the default Kubernetes module set (see the module docstring); versions pinned here.
BUNDLED_TOOLS = {
    "etcd": Binary("etcd", "go.etcd.io/etcd/server/v3", "v3.6.8"),
    "kwok": Binary("kwok", "sigs.k8s.io/kwok/cmd/kwok", "v0.8.0"),
}
BUNDLED_LDFLAGS = ("-X sigs.k8s.io/kwok/pkg/consts.Version=v0.8.0",)


def _tool(name, module, version, package, ldflags=(), hint=""):
    return Component(name, module, version, (Binary(name if name != "metallb" else "metallb-controller", package, version),),
                     ldflags, hint=hint)


# Module sets of their own: their Kubernetes libraries differ from the control plane's (helm: v0.37, MetalLB: older).
# MetalLB: v0.16.x needs github.com/metallb/frr-k8s v0.0.27, which the Go module proxy refuses (403); v0.15.3 builds.
TOOLS = {
    "helm": _tool("helm", "helm.sh/helm/v3", "v3.22.0", "helm.sh/helm/v3/cmd/helm",
                  ("-X helm.sh/helm/v3/internal/version.version=v3.22.0",)),
    "kubeconform": _tool("kubeconform", "github.com/yannh/kubeconform", "v0.8.0", "github.com/yannh/kubeconform/cmd/kubeconform"),
    "metallb": _tool("metallb", "go.universe.tf/metallb", "v0.15.3", "go.universe.tf/metallb/controller",
                     hint="v0.16 and newer need github.com/metallb/frr-k8s v0.0.27, which the Go module proxy does not serve"),
    # The CNCF distribution registry at the version the registry role's chart (twuni docker-registry 3.0.0) runs, and
    # an OCI client to push to it: the registry role's htpasswd and TLS are proven against the real server.
    "registry": _tool("registry", "github.com/distribution/distribution/v3", "v3.0.0",
                      "github.com/distribution/distribution/v3/cmd/registry",
                      ("-X github.com/distribution/distribution/v3/version.version=v3.0.0",)),
    "crane": _tool("crane", "github.com/google/go-containerregistry", "v0.22.1", "github.com/google/go-containerregistry/cmd/crane"),
}

# Built by `lab k8s build` with no arguments; controllers are built too, so `controller start` never compiles.
DEFAULT_TOOLS = ("helm", "kubeconform", "metallb", "registry", "crane")
TARGETS = KUBERNETES_BINARIES + tuple(BUNDLED_TOOLS) + tuple(TOOLS)


def kubernetes_version(requested=None):
    """The Kubernetes version to use: the argument, else $BAREMETAL_LAB_K8S_VERSION, else the pinned default."""
    version = requested or os.environ.get(KUBERNETES_VERSION_VARIABLE) or DEFAULT_KUBERNETES_VERSION
    if not KUBERNETES_VERSION_PATTERN.match(version):
        from tools.lab.errors import LabError  # pylint: disable=import-outside-toplevel
        raise LabError(f"invalid Kubernetes version {version!r}: give a release tag such as {DEFAULT_KUBERNETES_VERSION}")
    return version


def kubernetes(version, binaries=None):
    """The k8s.io/kubernetes module set at ``version`` (limited to ``binaries``), with version ldflags so /version is real.

    The default version's set also holds etcd and kwok (BUNDLED_TOOLS).
    """
    minor = KUBERNETES_VERSION_PATTERN.match(version).group(1)
    ldflags = []
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        ldflags += [f"-X {package}.gitVersion={version}", f"-X {package}.gitMajor=1", f"-X {package}.gitMinor={minor}",
                    f"-X {package}.gitTreeState=clean"]
    members = [Binary(name, f"k8s.io/kubernetes/cmd/{name}", version) for name in KUBERNETES_BINARIES]
    if version == DEFAULT_KUBERNETES_VERSION:
        members += list(BUNDLED_TOOLS.values())
        ldflags += list(BUNDLED_LDFLAGS)
    component = Component("kubernetes", "k8s.io/kubernetes", version, tuple(members), tuple(ldflags))
    return component if binaries is None else component.only(binaries)


def set_of(target, version):
    """The module set (at ``version`` for Kubernetes binaries) that builds ``target``."""
    if target in TOOLS:
        return TOOLS[target]
    if target in BUNDLED_TOOLS or target == "kubectl":  # one kubectl, etcd and kwok serve every control plane
        return kubernetes(DEFAULT_KUBERNETES_VERSION, (target,))
    return kubernetes(version, (target,))


def full_set(component):
    """The whole module set a (possibly limited) component belongs to: its wrapper module lists every binary."""
    return TOOLS.get(component.name) or kubernetes(component.version)
