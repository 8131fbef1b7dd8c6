"""Benchmark: the nodes phase (role baremetal.platform.node) on 1, 3 and 10 lab hosts.

    sudo .venv/bin/python -m benchmarks.nodes [--sizes 1 3 10] [--engine rke2] [--iscsi] [--profile]

For each size: boots a fresh lab ("nbench", 10.213.77.0/24) with that many real systemd
hosts, times the first converge of playbooks/nodes.yml and the idempotent re-run
(which must report changed=0), then takes the lab down. Prints a Markdown table and
the figures as JSON, with the ratios the targets are stated in (issue 15): re-run /
first converge per size, and the largest size / 1 node for converge and re-run.
With --profile, ansible.posix.profile_tasks times every task and the top 15 tasks of
the converge and of the re-run are printed per size. Wall-clock seconds depend on the
machine's load: note it with the figures (the script prints the load average at the
start and end of each run).
"""
import argparse
import json
import os
import signal
import re
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAME = 'nbench'
SUBNET = '10.213.77.0/24'
PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'nodes.yml')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
PROFILE_LINE = re.compile(r'^(\S.*?) -{2,} (\d+\.\d+)s$', re.MULTILINE)
TOP = 15
RECAP = re.compile(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)


def lab(*arguments):
    """Run ./lab ARGUMENTS; raise with its output when it fails."""
    result = subprocess.run([os.path.join(REPO_ROOT, 'lab'), *arguments], capture_output=True, text=True, check=False,
                            cwd=REPO_ROOT, env=dict(os.environ, PYTHON=sys.executable))
    if result.returncode != 0:
        raise RuntimeError(f"./lab {' '.join(arguments)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def converge(inventory, vars_file, extra, profile=False):
    """Run the nodes phase once; return (seconds, {host: changed}, top tasks); raise when a host fails.

    The top tasks are [(task, seconds)], slowest first, from ansible.posix.profile_tasks when ``profile``
    (else []).
    """
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_CACHE_PLUGIN='memory',
               ANSIBLE_NOCOLOR='1')
    if profile:
        env.update(ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks', PROFILE_TASKS_TASK_OUTPUT_LIMIT=str(TOP),
                   PROFILE_TASKS_SORT_ORDER='descending')
    started = time.monotonic()
    result = subprocess.run([ANSIBLE_PLAYBOOK, '-i', inventory, PLAYBOOK, '-e', f'@{vars_file}', *extra],
                            capture_output=True, text=True, check=False, cwd=REPO_ROOT, env=env)
    seconds = time.monotonic() - started
    recap = {host: (int(changed), int(unreachable) + int(failed)) for host, changed, unreachable, failed in RECAP.findall(result.stdout)}
    if result.returncode != 0 or not recap or any(counts[1] for counts in recap.values()):
        raise RuntimeError(f'nodes phase failed (rc={result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}')
    return seconds, {host: counts[0] for host, counts in recap.items()}, top_tasks(result.stdout) if profile else []


def top_tasks(stdout):
    """The profile_tasks summary after the play recap: [(task, seconds)], slowest first."""
    summary = stdout[stdout.rfind('PLAY RECAP'):]
    return [(task.strip(), float(seconds)) for task, seconds in PROFILE_LINE.findall(summary)][:TOP]


def measure(size, workdir, extra, profile=False):
    """Boot ``size`` hosts, time first converge and re-run, take the lab down."""
    inventory = os.path.join(workdir, f'hosts-{size}.yml')
    key = os.path.join(workdir, 'admin_ed25519')
    vars_file = os.path.join(workdir, 'vars.yml')
    if not os.path.exists(key):
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'bench-admin', '-f', key], check=True)
        with open(key + '.pub', encoding='utf-8') as public, open(vars_file, 'w', encoding='utf-8') as handle:
            handle.write(f'node_admin_authorized_keys:\n  - "{public.read().strip()}"\nnode_admin_private_key_file: "{key}"\n')
    try:
        lab('up', '--name', NAME, '--subnet', SUBNET, '--nodes', str(size), '--inventory', inventory)
        load_before = os.getloadavg()[0]
        first, first_changed, first_top = converge(inventory, vars_file, extra, profile)
        again, again_changed, again_top = converge(inventory, vars_file, extra, profile)
        load_after = os.getloadavg()[0]
    finally:
        lab('down', '--name', NAME)
    return {'nodes': size, 'first_converge_s': round(first, 1), 'rerun_s': round(again, 1),
            'first_changed_per_host': max(first_changed.values()), 'rerun_changed_total': sum(again_changed.values()),
            'rerun_ratio': round(again / first, 2),
            'load_average_start': round(load_before, 1), 'load_average_end': round(load_after, 1),
            'converge_top_tasks': first_top, 'rerun_top_tasks': again_top}


def size_ratios(rows):
    """Largest size / 1 node, for converge and re-run (the target: <= 2 with forks >= size)."""
    one = next((row for row in rows if row['nodes'] == 1), None)
    largest = max(rows, key=lambda row: row['nodes'])
    if one is None or largest is one:
        return None
    return {'nodes': largest['nodes'], 'converge': round(largest['first_converge_s'] / one['first_converge_s'], 2),
            'rerun': round(largest['rerun_s'] / one['rerun_s'], 2)}


def print_profile(rows):
    """The top tasks of each converge and re-run, as Markdown tables."""
    for row in rows:
        for run, key in (('first converge', 'converge_top_tasks'), ('idempotent re-run', 'rerun_top_tasks')):
            print(f"\nTop {TOP} tasks, {row['nodes']} node(s), {run}:\n")
            print('| task | seconds |')
            print('|---|---|')
            for task, seconds in row[key]:
                print(f"| {task.replace('|', '/')} | {seconds:.2f} |")


def main():
    """Parse the options, run every size, print the table and JSON."""
    # A SIGTERM (kill, a CI timeout) runs the finally blocks too: the lab is taken down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[1, 3, 10])
    parser.add_argument('--engine', default='rke2', choices=['rke1', 'rke2', 'external'])
    parser.add_argument('--iscsi', action='store_true', help='also install open-iscsi (node_iscsi_enabled=true)')
    parser.add_argument('--profile', action='store_true',
                        help=f'time every task (ansible.posix.profile_tasks) and print the top {TOP} of each run')
    options = parser.parse_args()
    extra = ['-e', f'node_engine={options.engine}', '-e', f'node_iscsi_enabled={str(options.iscsi).lower()}']
    rows = []
    with tempfile.TemporaryDirectory(prefix='nodes-bench-') as workdir:
        for size in options.sizes:
            rows.append(measure(size, workdir, extra, options.profile))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(f'engine={options.engine} iscsi={options.iscsi} cpus={os.cpu_count()}')
    print(f'date={time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}')
    print('| nodes | first converge (s) | idempotent re-run (s) | re-run / converge | re-run changed | load avg start/end |')
    print('|---|---|---|---|---|---|')
    for row in rows:
        print(f"| {row['nodes']} | {row['first_converge_s']} | {row['rerun_s']} | {row['rerun_ratio']} | "
              f"{row['rerun_changed_total']} | {row['load_average_start']}/{row['load_average_end']} |")
    ratios = size_ratios(rows)
    if ratios:
        print(f"\n{ratios['nodes']} nodes / 1 node: converge {ratios['converge']}, re-run {ratios['rerun']}")
    if options.profile:
        print_profile(rows)
    print(json.dumps({'rows': rows, 'size_ratios': ratios}))
    return 0 if all(row['rerun_changed_total'] == 0 for row in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
