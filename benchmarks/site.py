"""Benchmark: site.yml on the lab, first converge and idempotent re-run, per phase.

    sudo .venv/bin/python -m benchmarks.site [--nodes 2]

Boots a fresh lab ("sbench", 10.213.78.0/24) of real systemd hosts and a control plane of the same name (the
upstream CRDs, the real MetalLB controller), as scripts/lab-site does; runs site.yml twice with
inventories/lab/group_vars; prints each phase's seconds (from the JSON callback's play durations), the
re-run / converge ratio (issue 15's target: at most 0.3) and fails when the re-run changed anything. Takes
the lab and the control plane down at the end, also after a failure. Seconds depend on the machine's load:
the load average at start and end is printed with them.
"""
import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from tools.lab.k8s import cluster, controllers, crds  # noqa: E402 pylint: disable=wrong-import-position

NAME = 'sbench'
SUBNET = '10.213.78.0/24'
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
CRD_SETS = ('metallb', 'cert-manager', 'pgo', 'istio')
TOP = 15


def quiet(_line):
    """Progress lines of the lab are not part of the figures."""


def lab(*arguments):
    """Run ./lab ARGUMENTS; raise with its output when it fails."""
    result = subprocess.run([os.path.join(REPO_ROOT, 'lab'), *arguments], capture_output=True, text=True, check=False,
                            cwd=REPO_ROOT, env=dict(os.environ, PYTHON=sys.executable))
    if result.returncode != 0:
        raise RuntimeError(f"./lab {' '.join(arguments)} failed: {result.stderr.strip() or result.stdout.strip()}")


def seconds(duration):
    """Seconds between the JSON callback's start and end stamps."""
    start, end = (datetime.datetime.strptime(duration[key], '%Y-%m-%dT%H:%M:%S.%fZ') for key in ('start', 'end'))
    return (end - start).total_seconds()


def run_site(inventory, kubeconfig):
    """site.yml once: (wall seconds, {phase: seconds}, changed tasks); raise when it fails."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_STDOUT_CALLBACK='ansible.posix.json',
               ANSIBLE_NOCOLOR='1')
    started = time.monotonic()
    result = subprocess.run([ANSIBLE_PLAYBOOK, 'site.yml', '-i', inventory, '-e', f'platform_kubeconfig={kubeconfig}'],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=3600, check=False)
    wall = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f'site.yml failed (rc={result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}')
    parsed = json.loads(result.stdout[result.stdout.index('{'):])
    phases = {}
    changed = []
    tasks = []
    for play in parsed['plays']:
        phase = play['play']['name'].split(' - ')[0]
        phases[phase] = phases.get(phase, 0.0) + seconds(play['play']['duration'])
        changed += [f"{play['play']['name']} / {task['task']['name']} / {host}"
                    for task in play['tasks'] for host, outcome in task['hosts'].items() if outcome.get('changed')]
        tasks += [(seconds(task['task']['duration']), f"{phase}: {task['task']['name']}") for task in play['tasks']]
    return wall, phases, changed, sorted(tasks, reverse=True)


def main():
    """Boot the lab, run site.yml twice, print the figures, take the lab down."""
    # A SIGTERM (kill, a CI timeout) runs the finally blocks too: the lab is taken down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--nodes', type=int, default=2)
    parser.add_argument('--top', type=int, default=TOP, help='how many of the re-run\'s slowest tasks to print')
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='site-bench-') as workdir:
        inventory = os.path.join(workdir, 'inventory')
        os.mkdir(inventory)
        os.symlink(os.path.join(REPO_ROOT, 'inventories', 'lab', 'group_vars'), os.path.join(inventory, 'group_vars'))
        try:
            lab('up', '--name', NAME, '--subnet', SUBNET, '--nodes', str(options.nodes),
                '--inventory', os.path.join(inventory, 'hosts.yml'))
            state = cluster.up(NAME, progress=quiet)
            crds.load(state, CRD_SETS, progress=quiet)
            controllers.start(NAME, 'metallb', progress=quiet)
            load_start = os.getloadavg()[0]
            first, first_phases, first_changed, _first_top = run_site(inventory, state['kubeconfig'])
            again, again_phases, again_changed, again_top = run_site(inventory, state['kubeconfig'])
            load_end = os.getloadavg()[0]
        finally:
            cluster.down(NAME, progress=quiet)
            lab('down', '--name', NAME)
    print(f'date={time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())} nodes={options.nodes} cpus={os.cpu_count()} '
          f'load={load_start:.1f}/{load_end:.1f}')
    print('| phase | first converge (s) | idempotent re-run (s) | re-run / converge |')
    print('|---|---|---|---|')
    for phase, first_seconds in first_phases.items():
        again_seconds = again_phases.get(phase, 0.0)
        print(f'| {phase} | {first_seconds:.1f} | {again_seconds:.1f} | {again_seconds / first_seconds:.2f} |')
    print(f'| site.yml (wall clock) | {first:.1f} | {again:.1f} | {again / first:.2f} |')
    print(f'first run: {len(first_changed)} changed task results; re-run: {len(again_changed)}')
    print(f'\nThe re-run\'s {options.top} slowest tasks (of {len(again_top)}):\n\n| task | seconds |\n|---|---|')
    for task_seconds, task in again_top[:options.top]:
        print(f"| {task.replace('|', '/')} | {task_seconds:.1f} |")
    if again_changed:
        print('the re-run changed:\n  ' + '\n  '.join(again_changed), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
