"""Benchmark: start the lab control plane and load every CRD set, again and again, with both cores busy.

    sudo .venv/bin/python -m benchmarks.lab_under_load [--starts 10]

Each start: `lab k8s up` (etcd, kube-apiserver, controller-manager, scheduler, kwok, 3 Ready nodes), every
CRD set (cert-manager, metallb, pgo, istio) applied and waited for until Established, then `lab k8s down`,
while one CPU burner per core runs. Before the Established wait polled, loading pgo failed about one start
in five this way ("status.conditions accessor error"). Prints starts, failures (with their messages) and times.
"""

import argparse
import json
import os
import time

from tools.lab.errors import LabError
from tools.lab.k8s import cluster, crds, load

NAME = "loadbnch"


def one_start():
    """Up, every CRD set, down; return (seconds to up, seconds for the CRDs)."""
    started = time.monotonic()
    try:
        state = cluster.up(NAME, progress=lambda _line: None)
        up_seconds = time.monotonic() - started
        crds.load(state, list(crds.KNOWN_SETS), progress=lambda _line: None)
        return up_seconds, time.monotonic() - started - up_seconds
    finally:
        cluster.down(NAME, progress=lambda _line: None)


def main():
    """Run the starts under load and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--starts", type=int, default=10)
    arguments = parser.parse_args()
    results, failures = [], []
    load_before = os.getloadavg()[0]
    with load.cpu_burners(seconds=arguments.starts * 120):
        for index in range(arguments.starts):
            try:
                results.append(one_start())
            except LabError as error:
                failures.append(f"start {index + 1}: {error}")
    figures = {"starts": arguments.starts, "failures": len(failures), "failure_messages": failures,
               "up_seconds_max": round(max((r[0] for r in results), default=0), 1),
               "crds_seconds_max": round(max((r[1] for r in results), default=0), 1),
               "load_average_at_start": round(load_before, 1), "load_average_at_end": round(os.getloadavg()[0], 1)}
    print(f"| starts under load (2 CPU burners) | failures | slowest up | slowest CRD load |\n|---|---|---|---|\n"
          f"| {figures['starts']} | {figures['failures']} | {figures['up_seconds_max']} s | {figures['crds_seconds_max']} s |")
    print(json.dumps(figures, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
