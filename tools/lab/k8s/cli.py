"""`lab k8s ...`: a real Kubernetes control plane (kwok nodes) and real controllers, for tests.

    lab k8s build [--kubernetes-version V] [--only kube-apiserver ...]
    lab k8s up [--name N] [--kubernetes-version V] [--apiserver-only] [--timeout S]
    lab k8s status [--name N]
    lab k8s down [--name N | --all]
    lab k8s crds [--name N] [--fetch|--check] SET...  (cert-manager, metallb, pgo, istio; at the roles' pinned versions)
    lab k8s controller start|stop NAME [--name N]   (metallb; pgo is explained)
"""

import argparse
import json
import sys

from tools.lab import names
from tools.lab.errors import LabError
from tools.lab.k8s import build, cluster, config, controllers, crds, paths, versions


def _parser():
    parser = argparse.ArgumentParser(prog="lab k8s", description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def named(sub):
        sub.add_argument("--name", default=names.default(), help=f"control plane {names.HELP}")

    def versioned(sub):
        sub.add_argument("--kubernetes-version", help=f"k8s.io/kubernetes release (default {versions.DEFAULT_KUBERNETES_VERSION}, "
                                                      f"or ${versions.KUBERNETES_VERSION_VARIABLE})")

    build_parser = commands.add_parser("build", help="build and cache every binary (skips what is cached)")
    versioned(build_parser)
    build_parser.add_argument("--only", nargs="+", metavar="TARGET",
                              help=f"build only these: {', '.join(versions.TARGETS)}")
    up_parser = commands.add_parser("up", help="start a control plane with 3 Ready kwok nodes")
    named(up_parser)
    versioned(up_parser)
    up_parser.add_argument("--apiserver-only", action="store_true", help="etcd and kube-apiserver only (no controllers, no nodes)")
    up_parser.add_argument("--timeout", type=int, default=180, help="seconds to wait for readiness (default 180)")
    named(commands.add_parser("status", help="show control planes, their kubeconfig and processes"))
    down_parser = commands.add_parser("down", help="stop a control plane and remove its state")
    named(down_parser)
    down_parser.add_argument("--all", action="store_true", help="every control plane that has state")
    crds_parser = commands.add_parser("crds", help=f"load upstream CRD sets at the roles' pins from ../shared/upstream (or ${crds.DATA_VARIABLE})")
    named(crds_parser)
    crds_parser.add_argument("--fetch", action="store_true", help="without the upstream data: download the pinned files (sha256-checked)")
    crds_parser.add_argument("--check", action="store_true", help="only say where each set's files are (no control plane needed)")
    crds_parser.add_argument("sets", nargs="+", metavar="SET", help=", ".join(crds.KNOWN_SETS))
    controller_parser = commands.add_parser("controller", help="start or stop a real controller")
    controller_parser.add_argument("action", choices=("start", "stop"))
    controller_parser.add_argument("controller", help="metallb (pgo cannot be built here; the command says why)")
    named(controller_parser)
    return parser


def _status(name):
    names = [name] if name != paths.DEFAULT_NAME or not cluster.names() else cluster.names()
    for each in names:
        print(json.dumps(cluster.status(each), indent=2))


def run(arguments):
    """Execute parsed arguments."""
    if arguments.command == "build":
        timings = build.build_all(versions.kubernetes_version(arguments.kubernetes_version), arguments.only)
        for key, seconds in timings.items():
            print(f"{key}: {'cached' if not seconds else f'built in {seconds:.0f}s'} ({paths.cache_root() / 'bin' / key})")
    elif arguments.command == "up":
        state = cluster.up(arguments.name, arguments.kubernetes_version, arguments.timeout, arguments.apiserver_only)
        print(state["kubeconfig"])
    elif arguments.command == "status":
        _status(arguments.name)
    elif arguments.command == "down":
        for name in cluster.names() if arguments.all else [arguments.name]:
            cluster.down(name)
    elif arguments.command == "crds" and arguments.check:
        for name in arguments.sets:
            print(f"{name}: {crds.SETS[name].pin() if name in crds.SETS else '?'} from {crds.set_files(name)[0].parent}")
    elif arguments.command == "crds":
        state = config.load_state(paths.state_dir(arguments.name))
        if not cluster.healthy(state):
            raise LabError(f"control plane {arguments.name!r} is not running: start it with `lab k8s up --name {arguments.name}`")
        if arguments.fetch:
            crds.fetch(arguments.sets)
        crds.load(state, arguments.sets)
    elif arguments.command == "controller":
        action = controllers.start if arguments.action == "start" else controllers.stop
        action(arguments.name, arguments.controller)


def main(argv=None):
    """Entry point used by `./lab k8s ...` (argv: the arguments after `k8s`); returns the exit code."""
    arguments = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        run(arguments)
    except LabError as error:
        print(f"lab k8s: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lab k8s: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
