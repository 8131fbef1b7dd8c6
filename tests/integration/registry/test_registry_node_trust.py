"""Cluster nodes trust and log in to the registry (playbooks/cicd.yml's node play on real lab hosts, engine rke2).

RKE2 cannot run in the lab, so each host gets two stand-in systemd units named rke2-server and rke2-agent (sleep);
systemd is real, so the test sees which one the role restarts: rke2-server on the control plane, rke2-agent on the
others, each only when registries.yaml changed.
"""
import os
import re

import yaml

from tests import helpers

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
NAME, SUBNET = 'cda', '10.213.67.0/24'
PASSWORD = 'node-pull-password-0123'
CA = '-----BEGIN CERTIFICATE-----\nMIIB-lab-private-ca\n-----END CERTIFICATE-----\n'
UNIT = '[Unit]\nDescription=stand-in for {0}\n[Service]\nExecStart=/bin/sleep infinity\n'
RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.MULTILINE)


def pids(lab):
    found = {}
    for host in lab.hosts:
        result = lab.ssh(host.name, 'for s in rke2-server rke2-agent; do systemctl show -p MainPID --value $s; done')
        assert result.returncode == 0, result.stderr
        found[host.name] = tuple(result.stdout.split())
    return found


def run_cicd(lab):
    variables = {'platform_engine': 'rke2', 'platform_domain': 'lab.example.test', 'registry_node_ca_certificate': CA,
                 'registry_users': [{'name': 'admin', 'password': 'node-admin-password-99'}, {'name': 'puller', 'password': PASSWORD}],
                 'registry_node_user': 'puller'}
    completed = helpers.run_playbook(os.path.join(REPO_ROOT, 'playbooks', 'cicd.yml'), '--limit', 'k8s_cluster',
                                     inventory=str(lab.inventory), connection=None, interpreter=None, extra_vars=variables)
    output = completed.stdout + completed.stderr
    assert PASSWORD not in output, 'the pull password was printed:\n' + output
    assert completed.returncode == 0, output
    return {match.group(1): int(match.group(3)) for match in RECAP.finditer(completed.stdout)}, output


def test_nodes_get_registries_yaml_and_only_their_rke2_service_restarts(lab_hosts):
    lab = lab_hosts(NAME, SUBNET, nodes=2)
    for host in lab.hosts:
        script = ' && '.join(f"printf '{UNIT.format(unit)}' > /etc/systemd/system/{unit}.service" for unit in ('rke2-server', 'rke2-agent'))
        result = lab.ssh(host.name, script + ' && systemctl daemon-reload && systemctl restart rke2-server rke2-agent')
        assert result.returncode == 0, result.stderr
    server, agent = lab.hosts[0].name, lab.hosts[1].name
    before = pids(lab)

    changed, output = run_cicd(lab)
    assert changed[server] > 0 and changed[agent] > 0, output
    after = pids(lab)
    assert after[server][0] != before[server][0] and after[server][1] == before[server][1], 'control plane: rke2-server only'
    assert after[agent][0] == before[agent][0] and after[agent][1] != before[agent][1], 'worker: rke2-agent only'

    for host in lab.hosts:
        result = lab.ssh(host.name, 'stat -c %a /etc/rancher/rke2/registries.yaml && cat /etc/rancher/rke2/registries.yaml '
                                    '&& cat /etc/rancher/rke2/registry-ca.pem')
        assert result.returncode == 0, result.stderr
        mode, text = result.stdout.split('\n', 1)
        assert mode == '600'
        config = yaml.safe_load(text.split('-----BEGIN')[0])
        assert config['mirrors'] == {'registry.lab.example.test': {'endpoint': ['https://registry.lab.example.test']}}
        assert config['configs']['registry.lab.example.test'] == {
            'auth': {'username': 'puller', 'password': PASSWORD}, 'tls': {'ca_file': '/etc/rancher/rke2/registry-ca.pem'}}
        assert CA in text

    changed, output = run_cicd(lab)
    assert changed == {server: 0, agent: 0}, output
    assert pids(lab) == after, 'a run without changes restarted RKE2'
