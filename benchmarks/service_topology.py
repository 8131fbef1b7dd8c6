"""Benchmark: service_topology on N Services against a loop of kubernetes.core.k8s patches, on the lab.

    sudo .venv/bin/python -m benchmarks.service_topology [--services 500] [--skip-loop-rerun] [--kubeconfig FILE]

Starts its own API-server-only lab control plane ("bench", default Kubernetes version), so no controller,
scheduler or fake node adds requests (or uses --kubeconfig's cluster as it is); creates N Services in the
namespace "bench"; then, each from the same starting state:
  1. one task of baremetal.platform.service_topology (first run, then the idempotent second run),
  2. a loop of kubernetes.core.k8s state=patched, one item per Service (first run, then the second run).
Reports wall-clock seconds and API requests counted by kube-apiserver itself (apiserver_request_total,
total and on the services resource) for each run, and the ratios. The control plane is removed at the end.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from kubernetes import config as kube_config  # noqa: E402 pylint: disable=wrong-import-position
from kubernetes.client import CoreV1Api, VersionApi  # noqa: E402 pylint: disable=wrong-import-position

from tools.lab.k8s import cluster  # noqa: E402 pylint: disable=wrong-import-position

NAME = 'bench'
NAMESPACE = 'bench'
METRIC = re.compile(r'^apiserver_request_total\{(?P<labels>[^}]*)\} (?P<value>[0-9.e+]+)$')


def request_counts(api_client):
    """(all requests, requests on the services resource) served so far, from kube-apiserver's own metrics."""
    configuration = api_client.configuration
    # A kubeconfig token sits under 'authorization' or 'BearerToken' depending on the client version; certificates need no header.
    tokens = [value for value in (configuration.api_key or {}).values() if value]
    headers = {'Authorization': tokens[0]} if tokens else {}
    response = api_client.rest_client.pool_manager.request('GET', configuration.host + '/metrics', headers=headers)
    if response.status != 200:
        raise SystemExit('cannot read /metrics (HTTP %s): %s' % (response.status, response.data[:300]))
    total = services = 0.0
    for line in response.data.decode().splitlines():
        match = METRIC.match(line)
        if match:
            value = float(match.group('value'))
            total += value
            if 'resource="services"' in match.group('labels'):
                services += value
    return total, services


def create_services(core, count, namespace):
    core.create_namespace({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': namespace}})
    for index in range(count):
        core.create_namespaced_service(namespace, {'apiVersion': 'v1', 'kind': 'Service', 'metadata': {'name': 'svc-%d' % index},
                                                   'spec': {'selector': {'app': 'svc-%d' % index}, 'ports': [{'port': 80}]}})


def reset_services(core, count, namespace):
    """Remove trafficDistribution again, so that every measured first run patches all Services."""
    for index in range(count):
        core.patch_namespaced_service('svc-%d' % index, namespace, {'spec': {'trafficDistribution': None}},
                                      _content_type='application/merge-patch+json')


def playbook(tmp_dir, name, tasks):
    path = os.path.join(tmp_dir, name + '.json')
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'tasks': tasks}], handle)
    return path


def run_playbook(path, kubeconfig):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, 'ansible.cfg'), ANSIBLE_FACT_CACHING='memory', K8S_AUTH_KUBECONFIG=kubeconfig)
    argv = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
            '-e', 'ansible_python_interpreter=' + sys.executable, path]
    started = time.monotonic()
    completed = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit('%s failed:\n%s%s' % (path, completed.stdout[-4000:], completed.stderr[-2000:]))
    return seconds, completed.stdout


def measure(label, path, api_client, kubeconfig):
    before = request_counts(api_client)
    seconds, output = run_playbook(path, kubeconfig)
    after = request_counts(api_client)
    changed = re.search(r'changed=(\d+)', output)
    result = {'run': label, 'seconds': round(seconds, 1), 'api_requests': int(after[0] - before[0]),
              'service_requests': int(after[1] - before[1]), 'recap_changed': int(changed.group(1)) if changed else None}
    print(json.dumps(result), flush=True)
    return result


def _git_version(api_client):
    return VersionApi(api_client).get_code().git_version


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--services', type=int, default=500)
    parser.add_argument('--namespace', default=NAMESPACE, help='namespace created for the Services (default: %(default)s)')
    parser.add_argument('--skip-loop-rerun', action='store_true', help='do not measure the loop\'s second (no-change) run')
    parser.add_argument('--kubeconfig', help='use this cluster as it is instead of starting a lab control plane')
    parser.add_argument('--loop-services', type=int,
                        help='patch only the first N Services in the loop (it is slow) and scale its figures linearly to all; the report says so')
    options = parser.parse_args()
    tmp_dir = os.path.join('/tmp', 'bench-service-topology')
    os.makedirs(tmp_dir, exist_ok=True)
    if options.kubeconfig:
        kubeconfig = options.kubeconfig
    else:
        kubeconfig = cluster.up(NAME, apiserver_only=True, progress=lambda _line: None)['kubeconfig']
    loop_services = min(options.loop_services or options.services, options.services)
    api_client = kube_config.new_client_from_config(config_file=kubeconfig)
    core = CoreV1Api(api_client)
    try:
        create_services(core, options.services, options.namespace)
        module = playbook(tmp_dir, 'module', [{'name': 'Prefer same node for every Service of the namespace',
                                               'baremetal.platform.service_topology': {'namespaces': [options.namespace]}}])
        loop = playbook(tmp_dir, 'loop', [{
            'name': 'Patch each Service', 'loop': '{{ range(%d) | list }}' % loop_services,
            'kubernetes.core.k8s': {'state': 'patched', 'kind': 'Service', 'namespace': options.namespace, 'name': 'svc-{{ item }}',
                                    'definition': {'spec': {'trafficDistribution': 'PreferSameNode'}}}}])
        results = [measure('service_topology first run', module, api_client, kubeconfig),
                   measure('service_topology second run', module, api_client, kubeconfig)]
        reset_services(core, options.services, options.namespace)
        results.append(measure('kubernetes.core.k8s loop first run', loop, api_client, kubeconfig))
        if not options.skip_loop_rerun:
            results.append(measure('kubernetes.core.k8s loop second run', loop, api_client, kubeconfig))
        first_module, first_loop = results[0], results[2]
        scale = float(options.services) / loop_services
        summary = {'services': options.services, 'loop_services_measured': loop_services, 'kubernetes': _git_version(api_client),
                   'loop_seconds_for_all': round(first_loop['seconds'] * scale, 1),
                   'loop_api_requests_for_all': int(first_loop['api_requests'] * scale),
                   'wall_clock_ratio_loop_over_module': round(first_loop['seconds'] * scale / first_module['seconds'], 1),
                   'api_request_ratio_loop_over_module': round(first_loop['api_requests'] * scale / max(first_module['api_requests'], 1), 1)}
        print(json.dumps(summary), flush=True)
    finally:
        if options.kubeconfig:
            core.delete_namespace(options.namespace)
        else:
            cluster.down(NAME, progress=lambda _line: None)


if __name__ == '__main__':
    main()
