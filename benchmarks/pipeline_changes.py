"""Benchmark: dockerBuild's change detection on a generated monorepo (100 services, 10,000 commits).

    python3 -m benchmarks.pipeline_changes [--services 100] [--commits 10000] [--distances 1 100 1000 10000] [--seed 16]

Generates a git repository with git fast-import in a temporary folder: SERVICES folders (svc-000/ ...) each with a
Dockerfile, a Jenkinsfile, k8s/ and src/, plus the shared jenkins/ folder; then COMMITS commits, each changing one file
of a service chosen at random (one in 1,000 changes jenkins/ instead). For each distance D it decides, for every service,
whether to build HEAD when the service's last successful build was D commits ago: the pipeline's own script
(roles/jenkins/files/pipeline_library/resources/baremetal/pipeline/detect-changes.sh, run with sh as the pipeline runs
it, changelog included). Prints seconds for all services and per service (median, max), how many would build, and the
load average, as a table and as JSON. The repository is removed at the end.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_ROOT, 'roles', 'jenkins', 'files', 'pipeline_library', 'resources', 'baremetal', 'pipeline', 'detect-changes.sh')
FILES_PER_SERVICE = 20


def git(repo, *arguments, stdin=None):
    """git ARGUMENTS in repo; its stdout (raises with git's message when it fails)."""
    result = subprocess.run(['git', *arguments], cwd=repo, input=stdin, capture_output=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(arguments)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode()


def initial_files(services):
    """path: text of the first commit."""
    files = {'jenkins/README.md': 'shared pipeline\n', 'jenkins/vars/dockerBuild.groovy': 'def call(Map s) {}\n'}
    for index in range(services):
        name = f'svc-{index:03d}'
        files[f'{name}/Dockerfile'] = 'FROM docker.io/library/busybox:1.37\nCOPY src/ /srv/\n'
        files[f'{name}/Jenkinsfile'] = f"dockerBuild(service: '{name}')\n"
        files[f'{name}/k8s/{name}-deployment.yml'] = f'---\nkind: Deployment\nimage: {name}\n'
        for number in range(FILES_PER_SERVICE):
            files[f'{name}/src/file-{number:02d}.txt'] = f'{name} {number} 0\n'
    return files


def fast_import_stream(services, commits, seed):
    """The fast-import stream of the whole history, as bytes."""
    rng = random.Random(seed)
    chunks = []
    when = 1_700_000_000

    def commit(message, files):
        nonlocal when
        when += 60
        data = message.encode()
        chunks.append(b'commit refs/heads/master\n')
        chunks.append(f'committer Bench <bench@test.invalid> {when} +0000\n'.encode())
        chunks.append(b'data %d\n%s\n' % (len(data), data))
        for path, text in files.items():
            body = text.encode()
            chunks.append(f'M 100644 inline {path}\n'.encode())
            chunks.append(b'data %d\n%s\n' % (len(body), body))

    commit('initial monorepo', initial_files(services))
    for number in range(1, commits):
        if rng.random() < 0.001:
            commit(f'jenkins: change {number}', {'jenkins/README.md': f'shared pipeline {number}\n'})
            continue
        name = f'svc-{rng.randrange(services):03d}'
        path = f'{name}/src/file-{rng.randrange(FILES_PER_SERVICE):02d}.txt'
        commit(f'{name}: change {number}', {path: f'{path} {number}\n'})
    return b''.join(chunks)


def generate(repo, services, commits, seed):
    """Create the repository; seconds it took."""
    start = time.monotonic()
    git(repo, 'init', '-q', '-b', 'master')
    git(repo, 'fast-import', '--quiet', stdin=fast_import_stream(services, commits, seed))
    git(repo, 'checkout', '-q', 'master')
    return time.monotonic() - start


def decide(repo, base, head, service):
    """Run detect-changes.sh for one service as the pipeline does; (decision, seconds)."""
    start = time.monotonic()
    result = subprocess.run(['sh', SCRIPT, base, head, f'{service}/', 'jenkins/'], cwd=repo, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        raise SystemExit(f'detect-changes.sh failed for {service}: {result.stderr}')
    return result.stdout.splitlines()[0], elapsed


def load():
    """The 1-minute load average (other work on the machine changes the figures)."""
    return round(os.getloadavg()[0], 2)


def main():
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--services', type=int, default=100)
    parser.add_argument('--commits', type=int, default=10000)
    parser.add_argument('--distances', type=int, nargs='+', default=[1, 100, 1000, 10000],
                        help='commits between the last successful build and HEAD (capped at the history length)')
    parser.add_argument('--seed', type=int, default=16)
    options = parser.parse_args()

    repo = tempfile.mkdtemp(prefix='pipeline-changes-bench-')
    try:
        generated = generate(repo, options.services, options.commits, options.seed)
        head = git(repo, 'rev-parse', 'HEAD').strip()
        count = int(git(repo, 'rev-list', '--count', 'HEAD'))
        print(f'monorepo: {options.services} services, {count} commits, generated in {generated:.1f}s (git fast-import)')
        rows = []
        for distance in options.distances:
            distance = min(distance, count - 1)
            base = git(repo, 'rev-parse', f'HEAD~{distance}').strip()
            before = load()
            start = time.monotonic()
            timings = []
            builds = 0
            for index in range(options.services):
                decision, elapsed = decide(repo, base, head, f'svc-{index:03d}')
                timings.append(elapsed)
                builds += decision == 'build'
            total = time.monotonic() - start
            rows.append({'distance': distance, 'services': options.services, 'build': builds, 'skip': options.services - builds,
                         'total_s': round(total, 3), 'median_ms': round(statistics.median(timings) * 1000, 1),
                         'max_ms': round(max(timings) * 1000, 1), 'load_before': before, 'load_after': load()})
        print()
        print('| last successful build | services to build | decide for all services | per service (median / max) | load avg |')
        print('|---|---|---|---|---|')
        for row in rows:
            print(f"| {row['distance']} commits ago | {row['build']} of {row['services']} | {row['total_s']:.2f} s | "
                  f"{row['median_ms']:.0f} ms / {row['max_ms']:.0f} ms | {row['load_before']} -> {row['load_after']} |")
        print()
        print(json.dumps({'services': options.services, 'commits': count, 'cpus': os.cpu_count(), 'rows': rows}, indent=2))
    finally:
        shutil.rmtree(repo, ignore_errors=True)


if __name__ == '__main__':
    main()
