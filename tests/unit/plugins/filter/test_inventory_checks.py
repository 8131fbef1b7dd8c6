"""inventory_checks: every check phase 0 and the roles' preflights share, each problem naming variable, value and fix."""
import base64
import os
import struct

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.baremetal.platform.plugins.filter import inventory_checks as checks


def ssh_key(key_type='ssh-ed25519', body=b'\x01' * 32):
    def string(data):
        return struct.pack('>I', len(data)) + data
    return '%s %s user@laptop' % (key_type, base64.b64encode(string(key_type.encode()) + string(body)).decode())


GOOD_KEY = ssh_key()


def one(problems, *fragments):
    """Exactly one problem, holding every fragment; return it."""
    assert len(problems) == 1, problems
    for fragment in fragments:
        assert fragment in problems[0], problems[0]
    return problems[0]


# --- platform ---------------------------------------------------------------------------------------------------

def test_good_platform_settings_pass():
    assert checks.check_platform({'platform_engine': 'rke2', 'platform_domain': 'example.com',
                                  'platform_acme_email': 'admin@example.com'}) == []


@pytest.mark.parametrize('settings, fragments', [
    ({'platform_engine': 'k3s'}, ('platform_engine="k3s"', 'rke1, rke2 or external')),
    ({'platform_engine': 'rke2', 'platform_domain': 'example..com'}, ('platform_domain="example..com"', 'empty label')),
    ({'platform_engine': 'rke2', 'platform_domain': 'Example.com'}, ('upper-case',)),
    ({'platform_engine': 'rke2', 'platform_domain': 'localhost'}, ('single label',)),
    ({'platform_engine': 'rke2', 'platform_domain': '-a.com'}, ('label "-a"',)),
    ({'platform_engine': 'rke2', 'platform_acme_email': 'admin@example..com'}, ('platform_acme_email=', 'empty label')),
    ({'platform_engine': 'rke2', 'platform_acme_email': 'admin.example.com'}, ('no local part and @',)),
    ({'platform_engine': 'rke2', 'platform_acme_email': 'ad min@example.com'}, ('local part "ad min"',)),
    ({'platform_engine': 'rke2', 'platform_acme_email': None}, ('platform_acme_email=(not set)',)),
    ({'platform_engine': 'rke2', 'helm_binary_path': '/opt/helm'},
     ('helm_binary_path="/opt/helm"', 'renamed platform_helm_binary', 'rename it to platform_helm_binary')),
    ({'platform_engine': 'rke2', 'metallb_helm_binary': '/opt/helm'}, ('metallb_helm_binary=', 'platform_helm_binary')),
])
def test_bad_platform_settings(settings, fragments):
    one(checks.inventory_problems(settings, 'platform'), *fragments)


ISTIO_IP = {'platform_engine': 'rke2', 'istio_gateway_load_balancer_ip': '192.0.2.10'}


@pytest.mark.parametrize('settings, fragments', [
    (dict(ISTIO_IP, metallb_chart_version='0.13.12'),
     ('metallb_chart_version="0.13.12"', 'metallb.universe.tf', 'set platform_metallb_chart_version: 0.13.12 instead')),
    (dict(ISTIO_IP, istio_gateway_load_balancer_ip='', istio_gateway_address_pool='pool-a', metallb_chart_version='v0.14.8'),
     ('platform_metallb_chart_version: v0.14.8',)),
    ({'platform_engine': 'rke2', 'metallb_chart_version': '0.16.1', 'platform_metallb_chart_version': '0.15.2'},
     ('metallb_chart_version="0.16.1"', 'differs from platform_metallb_chart_version="0.15.2"', 'set only')),
])
def test_the_metallb_version_the_istio_role_follows_must_be_the_one_installed(settings, fragments):
    one(checks.inventory_problems(settings, 'platform'), *fragments)


@pytest.mark.parametrize('settings', [
    dict(ISTIO_IP, metallb_chart_version='0.14.9'),                       # metallb.io either way
    dict(ISTIO_IP, metallb_chart_version='0.13.12', platform_metallb_chart_version='0.13.12'),
    dict(ISTIO_IP, metallb_chart_version='0.13.12', platform_addons_istio='false'),
    {'platform_engine': 'rke2', 'metallb_chart_version': '0.13.12', 'istio_gateway_load_balancer_ip': ''},  # no annotation
])
def test_a_metallb_version_every_role_agrees_on_is_no_problem(settings):
    assert checks.inventory_problems(settings, 'platform') == []


@pytest.mark.parametrize('settings, fragments', [
    ({'platform_engine': 'rke1', 'node_admin_user': 'alice'},
     ('node_admin_user="alice"', 'rke1 would log in with platform_admin_user="kubeuser"', 'set platform_admin_user: alice')),
    ({'platform_engine': 'rke1', 'node_admin_user': 'alice', 'platform_admin_user': 'bob'}, ('platform_admin_user="bob"',)),
    ({'platform_engine': 'rke1', 'node_admin_private_key_file': '~/.ssh/admin'},
     ('node_admin_private_key_file="~/.ssh/admin"', 'set platform_admin_private_key_file: ~/.ssh/admin')),
])
def test_rke1_must_log_in_as_the_admin_the_nodes_phase_creates(settings, fragments):
    one(checks.inventory_problems(settings, 'platform'), *fragments)


@pytest.mark.parametrize('settings', [
    {'platform_engine': 'rke1', 'node_admin_user': 'kubeuser'},
    {'platform_engine': 'rke1', 'node_admin_user': 'alice', 'platform_admin_user': 'alice'},
    {'platform_engine': 'rke1', 'node_admin_user': 'alice', 'rke1_ssh_user': 'alice'},
    {'platform_engine': 'rke2', 'node_admin_user': 'alice', 'node_admin_private_key_file': '~/.ssh/admin'},
])
def test_admin_settings_rke1_agrees_with_are_no_problem(settings):
    assert checks.inventory_problems(settings, 'platform') == []


def test_an_old_name_that_is_not_set_is_no_problem():
    assert checks.inventory_problems({'platform_engine': 'rke2', 'helm_binary_path': None}, 'platform') == []


# --- admin keys and node settings ------------------------------------------------------------------------------

GOOD_NODE = {'node_engine': 'rke2', 'node_admin_user': 'kubeuser', 'node_admin_authorized_keys': [GOOD_KEY],
             'node_ssh_permit_root_login': 'prohibit-password', 'node_ssh_max_auth_tries': 3,
             'node_time_sync': 'systemd-timesyncd', 'node_docker_source': 'distribution'}


def test_good_node_settings_pass(tmp_path):
    key = tmp_path / 'id_ed25519'
    key.write_text('private', encoding='utf-8')
    assert checks.check_node(dict(GOOD_NODE, node_admin_private_key_file=str(key))) == []
    assert checks.ssh_key_problem(ssh_key('ssh-rsa', b'\x01\x00\x01')) == ''


@pytest.mark.parametrize('keys, fragments', [
    ([], ('node_admin_authorized_keys=[]', 'the list is empty')),
    ('ssh-ed25519 AAAA', ('not a list of public keys',)),
    (['ssh-ed25519'], ('[0]', 'no key body')),
    (['ssh-ed25591 AAAAC3NzaC1lZDI1NTE5 me'], ('type "ssh-ed25591"',)),
    (['ssh-ed25519 AAAA$$$$ me'], ('not base64',)),
    ([ssh_key()[:40] + ' me'], ()),
    ([ssh_key('ssh-rsa', b'\x01').replace('ssh-rsa', 'ssh-ed25519', 1)], ('does not decode to a ssh-ed25519 key',)),
    ([ssh_key(body=b'\x01' * 31)], ('32-byte key',)),
    ([GOOD_KEY, '-----BEGIN OPENSSH PRIVATE KEY-----'], ('[1]', 'private key')),
])
def test_bad_admin_keys(keys, fragments):
    one(checks.check_admin_keys({'node_admin_authorized_keys': keys}), 'node_admin_authorized_keys', *fragments)


@pytest.mark.parametrize('override, fragments', [
    ({'node_admin_user': 'root'}, ('node_admin_user="root"', 'non-root')),
    ({'node_admin_user': 'Kube User'}, ('node_admin_user="Kube User"',)),
    ({'node_ssh_permit_root_login': 'yes'}, ('node_ssh_permit_root_login="yes"', 'prohibit-password')),
    ({'node_ssh_max_auth_tries': 0}, ('node_ssh_max_auth_tries=0', '1 or more')),
    ({'node_time_sync': 'ntpd'}, ('node_time_sync="ntpd"',)),
    ({'node_admin_private_key_file': '/nonexistent/key'}, ('node_admin_private_key_file="/nonexistent/key"', 'no such file')),
    ({'node_admin_private_key_file': ''}, ('node_admin_private_key_file=""', 'lock-out guard')),
])
def test_bad_node_settings(override, fragments):
    one(checks.check_node(dict(GOOD_NODE, **override)), *fragments)


def test_guard_key_is_not_needed_without_ssh_hardening():
    assert checks.check_node(dict(GOOD_NODE, node_ssh_hardening_enabled=False, node_admin_private_key_file='')) == []


# --- node addresses --------------------------------------------------------------------------------------------

def host(name, address, internal=''):
    return {'name': name, 'address': address, 'internal_address': internal}


def test_good_addresses_pass():
    assert checks.check_node_addresses([host('n1', '10.0.0.1', '192.168.0.1'), host('n2', 'n2.example.com')]) == []


@pytest.mark.parametrize('hosts, fragments', [
    ([host('n1', '10.0.0.300')], ('ansible_host (host n1)="10.0.0.300"', 'not a valid IP')),
    ([host('n1', '10.0.0.1'), host('n2', '10.0.0.1')], ('host n2', 'also ansible_host of host n1')),
    ([host('n1', '10.0.0.1', '10.0.0.2'), host('n2', '10.0.0.2')], ('ansible_host (host n2)="10.0.0.2"', 'internal_address of host n1')),
    ([host('n1', '10.0.0.1', 'node-one')], ('internal_address (host n1)="node-one"', 'not an IP address')),
    ([host('n1', 'bad_name!')], ('neither an IP address nor a host name',)),
])
def test_bad_addresses(hosts, fragments):
    one(checks.inventory_problems(hosts, 'node_addresses'), *fragments)


# --- engines ---------------------------------------------------------------------------------------------------

GOOD_RKE2 = {'rke2_servers_group': 'k8s_controlplane', 'rke2_version': 'v1.36.3+rke2r1', 'rke2_arch': 'amd64',
             'rke2_tarball_sha256': '', 'rke2_tarball_src': '',
             'rke2_tarball_checksum_url': 'https://github.com/rancher/rke2/releases/download/v1.36.3%2Brke2r1/sha256sum-amd64.txt',
             'rke2_token': 't' * 32, 'rke2_etcd_snapshot_retention': 5, 'rke2_backup_enabled': True,
             'rke2_backup_passphrase': 'p' * 20, 'rke2_backup_keep': 10}
SECRET_TOKEN = 'do-not-print-me'


def test_good_rke2_settings_pass():
    assert checks.inventory_problems(GOOD_RKE2, 'rke2', servers=['node1']) == []


@pytest.mark.parametrize('override, servers, fragments', [
    ({}, [], ('rke2_servers_group="k8s_controlplane"', 'it is empty')),
    ({}, None, ('it does not exist',)),
    ({'rke2_token': SECRET_TOKEN}, ['n1'], ('rke2_token=(15 characters)', '16 or more', 'vault_rke2_token')),
    ({'rke2_token': None}, ['n1'], ('rke2_token=(not set)',)),
    ({'rke2_etcd_snapshot_retention': 0}, ['n1'], ('rke2_etcd_snapshot_retention=0', 'at least 1')),
    ({'rke2_tarball_checksum_url': ''}, ['n1'], ('rke2_tarball_checksum_url=""', 'rke2_tarball_sha256')),
    ({'rke2_tarball_sha256': 'abc'}, ['n1'], ('rke2_tarball_sha256="abc"', '64 hex digits')),
    ({'rke2_tarball_src': '/srv/rke2.tgz'}, ['n1'], ('rke2_tarball_sha256=""', 'sha256sum /srv/rke2.tgz')),
    ({'rke2_version': 'v1.36.3'}, ['n1'], ('rke2_version="v1.36.3"', 'v1.36.3+rke2r1')),
    ({'rke2_backup_passphrase': 'short'}, ['n1'], ('rke2_backup_passphrase=(5 characters)', 'rke2_backup_enabled: false')),
    ({'rke2_backup_keep': 0}, ['n1'], ('rke2_backup_keep=0',)),
    ({'rke2_tls_san': 'a.example.com'}, ['n1'], ('rke2_tls_san="a.example.com"', 'not a list')),
])
def test_bad_rke2_settings(override, servers, fragments):
    problem = one(checks.inventory_problems(dict(GOOD_RKE2, **override), 'rke2', servers=servers), *fragments)
    assert SECRET_TOKEN not in problem


def test_rke2_backup_passphrase_is_not_needed_without_backups():
    settings = dict(GOOD_RKE2, rke2_backup_enabled=False, rke2_backup_passphrase='')
    assert checks.inventory_problems(settings, 'rke2', servers=['n1']) == []


GOOD_RKE1 = {'rke1_etcd_group': 'k8s_etcd', 'rke1_binary_sha256': '',
             'rke1_binary_checksum_url': 'https://github.com/rancher/rke/releases/download/v1.6.3/sha256sum.txt',
             'rke1_backup_enabled': True, 'rke1_backup_passphrase': 'secret-passphrase'}


@pytest.mark.parametrize('etcd', [['n1'], ['n1', 'n2', 'n3']])
def test_odd_etcd_counts_pass(etcd):
    assert checks.inventory_problems(GOOD_RKE1, 'rke1', etcd_nodes=etcd) == []


@pytest.mark.parametrize('override, etcd, fragments', [
    ({}, ['n1', 'n2'], ('rke1_etcd_group="k8s_etcd"', '2 etcd nodes (n1, n2)', 'odd count')),
    ({}, [], ('0 etcd nodes (none)',)),
    ({'rke1_binary_sha256': 'xyz'}, ['n1'], ('rke1_binary_sha256="xyz"',)),
    ({'rke1_binary_checksum_url': 'file:///x/sha256sum.txt'}, ['n1'], ('rke1_binary_checksum_url="file:///x/sha256sum.txt"',)),
    ({'rke1_backup_passphrase': ''}, ['n1'], ('rke1_backup_passphrase=(0 characters)',)),
    # The same minimum as rke2_backup_passphrase (12 characters).
    ({'rke1_backup_passphrase': 'elevenchars'}, ['n1'], ('rke1_backup_passphrase=(11 characters)', '12 or more characters')),
])
def test_bad_rke1_settings(override, etcd, fragments):
    one(checks.inventory_problems(dict(GOOD_RKE1, **override), 'rke1', etcd_nodes=etcd), *fragments)


# --- add-ons ---------------------------------------------------------------------------------------------------

NODES = [host('n1', '192.168.10.11', '10.0.0.11'), host('n2', '192.168.10.12')]


def pools(*addresses, **extra):
    return {'metallb_address_pools': [dict(name='public', addresses=list(addresses), **extra)]}


def test_good_pool_passes():
    assert checks.inventory_problems(pools('192.168.10.240-192.168.10.250'), 'metallb', hosts=NODES) == []


@pytest.mark.parametrize('settings, fragments', [
    ({'metallb_address_pools': []}, ('metallb_address_pools=[]', 'no pool')),
    (pools('192.168.10.250-192.168.10.240'), ('starts after it ends',)),
    (pools('192.168.10.5/24'), ('host bits set', 'did you mean 192.168.10.0/24')),
    (pools('192.168.10.10-192.168.10.11'), ('contains the node address 192.168.10.11',)),
    (pools('10.0.0.0/28', protocol='bgp'), ('contains the node address 10.0.0.11',)),
    (pools('172.16.0.10-172.16.0.20'), ('"172.16.0.10-172.16.0.20"', 'outside the nodes\' subnets', 'metallb_layer2_subnets')),
    (dict(pools('192.168.10.240/29'), metallb_layer2_subnets=['192.168.10.0/33']), ('metallb_layer2_subnets=',)),
])
def test_bad_pools(settings, fragments):
    one(checks.inventory_problems(settings, 'metallb', hosts=NODES), *fragments)


@pytest.mark.parametrize('name, value, fix', [
    ('metallb_kubeconfig', '/srv/other/kubeconfig', 'set platform_kubeconfig'),
    ('metallb_context', 'other-cluster', 'current context of platform_kubeconfig'),
])
def test_removed_metallb_cluster_settings_are_refused(name, value, fix):
    """The role no longer reads them: a value pointing at another cluster must not be ignored silently."""
    settings = dict(pools('192.168.10.240-192.168.10.250'), **{name: value})
    one(checks.inventory_problems(settings, 'metallb', hosts=NODES), name + '=', 'no longer read', fix)


def test_layer2_pool_outside_the_guessed_subnet_passes_when_stated():
    settings = dict(pools('192.168.11.240-192.168.11.250'), metallb_layer2_subnets=['192.168.10.0/23'])
    assert checks.inventory_problems(settings, 'metallb', hosts=NODES) == []


def test_overlapping_pools_are_named():
    settings = {'metallb_address_pools': [{'name': 'a', 'addresses': ['192.168.10.240/29']},
                                          {'name': 'b', 'addresses': ['192.168.10.244-192.168.10.250']}]}
    one(checks.inventory_problems(settings, 'metallb', hosts=NODES), "(pool 'a') overlaps", "(pool 'b')")


GOOD_CERT_MANAGER = {'cert_manager_domain': 'example.com', 'cert_manager_acme_email': 'admin@example.com',
                     'cert_manager_acme_environment': 'production',
                     'cert_manager_acme_servers': {'production': 'https://x', 'staging': 'https://y'},
                     'cert_manager_dns_zones': ['example.com'], 'cert_manager_cloudflare_api_token': 'cf-token'}


def test_good_cert_manager_settings_pass():
    assert checks.inventory_problems(GOOD_CERT_MANAGER, 'cert_manager') == []


@pytest.mark.parametrize('override, fragments', [
    ({'cert_manager_domain': 'example..com'}, ('cert_manager_domain="example..com"',)),
    ({'cert_manager_acme_email': 'a@b'}, ('cert_manager_acme_email="a@b"', 'single label')),
    ({'cert_manager_acme_environment': 'prod'}, ('cert_manager_acme_environment="prod"', 'production, staging')),
    ({'cert_manager_dns_zones': []}, ('cert_manager_dns_zones=[]',)),
    ({'cert_manager_cloudflare_api_token': ''}, ('cert_manager_cloudflare_api_token=(0 characters)', 'DNS01')),
    ({'cert_manager_cloudflare_api_token': None}, ('cert_manager_cloudflare_api_token=(not set)',)),
])
def test_bad_cert_manager_settings(override, fragments):
    one(checks.inventory_problems(dict(GOOD_CERT_MANAGER, **override), 'cert_manager'), *fragments)


GOOD_RANCHER = {'rancher_bootstrap_password': 'p' * 16, 'rancher_hostname': 'rancher.example.com', 'rancher_replicas': 3,
                'rancher_tls_source': 'letsEncrypt', 'rancher_letsencrypt_email': 'admin@example.com'}


@pytest.mark.parametrize('override, fragments', [
    ({'rancher_bootstrap_password': 'short-pass'}, ('rancher_bootstrap_password=(10 characters)', '12 or more')),
    ({'rancher_hostname': 'rancher.'}, ('rancher_hostname="rancher."',)),
    ({'rancher_replicas': 0}, ('rancher_replicas=0',)),
    ({'rancher_tls_source': 'acme'}, ('rancher_tls_source="acme"',)),
    ({'rancher_letsencrypt_email': 'x@y..z'}, ('rancher_letsencrypt_email="x@y..z"',)),
])
def test_bad_rancher_settings(override, fragments):
    problem = one(checks.inventory_problems(dict(GOOD_RANCHER, **override), 'rancher'), *fragments)
    assert 'short-pass' not in problem
    assert checks.inventory_problems(GOOD_RANCHER, 'rancher') == []


# --- Postgres ------------------------------------------------------------------------------------------------

GOOD_CLUSTER = {'name': 'marketplace', 'namespace': 'marketplace', 'postgres_version': 17, 'replicas': 2,
                'backups': {'repos': [{'name': 'repo1', 'volume': {'size': '20Gi'}}],
                            'global_options': {'repo1-retention-full': '4'}}}


def postgres(storage_class='local-path', **override):
    return {'platform_postgres_clusters': [dict(GOOD_CLUSTER, **override)], 'postgres_operator_storage_class': storage_class}


def test_good_postgres_cluster_passes():
    assert checks.inventory_problems(postgres(), 'postgres') == []
    assert checks.inventory_problems({'platform_postgres_clusters': []}, 'postgres') == []


@pytest.mark.parametrize('settings, fragments', [
    (postgres(replicas=0), ('platform_postgres_clusters[0]="marketplace"', 'replicas is 0', 'allow_single_instance')),
    (postgres(postgres_version=19), ('postgres_version 19 is not supported', '11 to 18')),
    (postgres(postgres_version='seventeen'), ('postgres_version',)),
    (postgres(backups={'global_options': {'repo1-retention-full': 0}}),
     ('backups.global_options.repo1-retention-full=0', 'retention of 1 or more')),
    (postgres(storage_class=''), ('storage_class=""', 'no storage class named')),
    (postgres(storage_class='Local_Path'), ('storage_class="Local_Path"', 'not a StorageClass name')),
    (postgres(name='Market'), ('"Market"', 'DNS-1035')),
    (postgres(users=[]), ('platform_postgres_clusters[0].users=[]', 'an empty list')),
    ({'platform_postgres_clusters': {'name': 'x'}}, ('platform_postgres_clusters={"name": "x"}', 'not a list')),
])
def test_bad_postgres_clusters(settings, fragments):
    one(checks.inventory_problems(settings, 'postgres'), *fragments)


# --- the filter's own use ------------------------------------------------------------------------------------

def test_every_problem_is_listed_not_just_the_first():
    settings = dict(GOOD_RANCHER, rancher_bootstrap_password='x', rancher_replicas=0, rancher_hostname='a..b')
    assert len(checks.inventory_problems(settings, 'rancher')) == 3


def test_unknown_check_is_refused():
    with pytest.raises(AnsibleFilterError, match='unknown check'):
        checks.inventory_problems({}, 'nonsense')


def test_host_problems_are_merged_naming_the_hosts():
    hostvars = {'n1': {'_platform_preflight_host_problems': ['a', 'b']},
                'n2': {'_platform_preflight_host_problems': ['a']}, 'n3': {}}
    assert checks.inventory_host_problems(['n1', 'n2'], hostvars) == ['every node: a', 'n1: b']
    # n3 was not in the run (--limit): its problems are not known, and the others are not 'every node'.
    assert checks.inventory_host_problems(['n1', 'n3'], hostvars) == ['n1: a', 'n1: b']
    assert checks.inventory_host_problems(['n1', 'n2', 'n3'], hostvars) == ['every node: a', 'n1: b']


def test_inventory_hosts_reads_addresses():
    hostvars = {'n1': {'ansible_host': '10.0.0.1', 'internal_address': '192.168.0.1'}, 'n2': {}}
    assert checks.inventory_hosts(['n1', 'n2'], hostvars) == [
        {'name': 'n1', 'address': '10.0.0.1', 'internal_address': '192.168.0.1'},
        {'name': 'n2', 'address': 'n2', 'internal_address': ''}]


# --- Jenkins ---------------------------------------------------------------------------------------------------

GOOD_JENKINS = {'jenkins_admin_password': 'a' * 16, 'jenkins_admin_password_min_length': 12, 'jenkins_hostname': 'jenkins.example.com',
                'jenkins_agent_builder': 'kaniko', 'jenkins_agent_allow_privileged_docker_socket': False,
                'jenkins_agent_pod_security': 'baseline',
                'jenkins_agent_images': {'kaniko': 'gcr.io/kaniko-project/executor:v1.24.0-debug', 'crane': 'crane:debug',
                                         'buildkit': 'moby/buildkit:rootless', 'docker': 'docker:cli', 'kubectl': 'kubectl:1'},
                'jenkins_branches': {'staging': {'push': True, 'deploy': True, 'namespace': 'staging'},
                                     'feature': {'push': False, 'deploy': False}},
                'jenkins_discord_webhook_url': 'https://discord.com/api/webhooks/1/token-value',
                'jenkins_registry_hostname': 'registry.example.com', 'jenkins_registry_password': 'p' * 16,
                'jenkins_git_username': '', 'jenkins_git_password': '',
                'jenkins_monorepo_url': 'https://git.example.com/shop.git', 'jenkins_monorepo_services': ['frontend', 'backend'],
                'jenkins_monorepo_folder': 'monorepo', 'jenkins_namespace': 'jenkins', 'jenkins_agent_namespace': 'jenkins-agents',
                'jenkins_release_name': 'jenkins', 'jenkins_deployer_service_account': 'jenkins-deployer',
                'jenkins_registry_push_secret_name': 'registry-push', 'jenkins_credentials_secret_name': 'jenkins-credentials',
                'jenkins_plugins': ['git:5.10.1'], 'jenkins_gateway': 'istio-ingress/default-gateway'}


def test_good_jenkins_settings_pass():
    assert checks.inventory_problems(GOOD_JENKINS, 'jenkins') == []
    # An opted-in docker builder, a git login and no Discord webhook pass too.
    assert checks.inventory_problems(dict(GOOD_JENKINS, jenkins_agent_builder='docker', jenkins_discord_webhook_url='',
                                          jenkins_agent_allow_privileged_docker_socket=True, jenkins_git_username='ci',
                                          jenkins_git_password='token-value', jenkins_agent_pod_security='privileged'),
                                     'jenkins') == []
    # BuildKit rootless under privileged; kaniko under privileged (looser than it needs) too.
    for builder in ('buildkit', 'kaniko'):
        assert checks.inventory_problems(dict(GOOD_JENKINS, jenkins_agent_builder=builder, jenkins_agent_pod_security='privileged'),
                                         'jenkins') == []
    # Only the images of the templates in use are needed: kaniko's without buildkit's and docker's.
    assert checks.inventory_problems(dict(GOOD_JENKINS, jenkins_agent_images={'kaniko': 'k', 'crane': 'c', 'kubectl': 'x'}),
                                     'jenkins') == []


@pytest.mark.parametrize('override, fragments', [
    ({'jenkins_admin_password': None}, ('jenkins_admin_password=(not set)', '12 or more', 'vault_jenkins_admin_password')),
    ({'jenkins_admin_password': 'short-pass'}, ('jenkins_admin_password=(10 characters)',)),
    ({'jenkins_hostname': 'jenkins.'}, ('jenkins_hostname="jenkins."', 'not a DNS name')),
    ({'jenkins_discord_webhook_url': 'http://discord.com/api/webhooks/1/token-value'},
     ('jenkins_discord_webhook_url=(a string that does not start with https://)', 'not an https:// URL')),
    ({'jenkins_branches': {'qa': {'push': True, 'deploy': True, 'namespace': 'qa', 'namepsace': 'qa2'}}},
     ('jenkins_branches.qa=', 'unknown key(s) namepsace', 'push, deploy, namespace')),
    ({'jenkins_branches': {'qa': {'push': False, 'deploy': True, 'namespace': 'qa'}}}, ('deploy: true needs push: true',)),
    ({'jenkins_branches': {'qa': {'push': True, 'deploy': True, 'namespace': 'kube-system'}}}, ('must not reach kube-system',)),
    ({'jenkins_agent_builder': 'kaniko-v2'}, ('jenkins_agent_builder="kaniko-v2": no such builder', 'use kaniko', 'buildkit')),
    ({'jenkins_agent_builder': 'buildkit'}, ('jenkins_agent_pod_security="baseline"', 'refuse every buildkit agent pod',
                                             'Unconfined', 'set jenkins_agent_pod_security: privileged')),
    ({'jenkins_agent_allow_privileged_docker_socket': True}, ('jenkins_agent_pod_security="baseline"', 'every docker agent pod',
                                                              'set jenkins_agent_pod_security: privileged')),
    ({'jenkins_agent_pod_security': 'restricted'}, ('jenkins_agent_pod_security="restricted"', 'kaniko agent pod', 'root',
                                                    'set jenkins_agent_pod_security: baseline')),
    ({'jenkins_agent_images': {'kaniko': 'k', 'kubectl': 'x'}}, ('jenkins_agent_images=', 'no image for container(s) crane',
                                                                 'crane, kaniko, kubectl')),
    ({'jenkins_agent_images': 'kaniko:latest'}, ('jenkins_agent_images="kaniko:latest"', 'not a mapping')),
    ({'jenkins_agent_builder': 'docker'}, ('jenkins_agent_builder="docker"', 'jenkins_agent_allow_privileged_docker_socket: true')),
    ({'jenkins_agent_pod_security': 'strict'}, ('jenkins_agent_pod_security="strict"',)),
    ({'jenkins_registry_password': ''}, ('jenkins_registry_password=(0 characters)',)),
    ({'jenkins_registry_hostname': 'https://registry.example.com'}, ('jenkins_registry_hostname=', 'without https://')),
    ({'jenkins_git_username': 'ci'}, ('go together',)),
    ({'jenkins_monorepo_url': "https://git.example.com/x');evil('"}, ('jenkins_monorepo_url=', 'not a git URL')),
    ({'jenkins_monorepo_services': ['Frontend']}, ('jenkins_monorepo_services[0]="Frontend"',)),
    ({'jenkins_plugins': ['git:latest']}, ('jenkins_plugins[0]="git:latest"', 'not a pinned plugin')),
    ({'jenkins_agent_namespace': 'Agents'}, ('jenkins_agent_namespace="Agents"',)),
    ({'jenkins_gateway': 'default-gateway'}, ('jenkins_gateway="default-gateway"',)),
])
def test_bad_jenkins_settings(override, fragments):
    problem = one(checks.inventory_problems(dict(GOOD_JENKINS, **override), 'jenkins'), *fragments)
    assert 'short-pass' not in problem and 'http://discord' not in problem and 'token-value' not in problem


def test_phase_0_passes_every_renamed_variable_to_the_check():
    """playbooks/preflight.yml lists the old names by hand; every name in RENAMED must be among them."""
    path = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'playbooks', 'preflight.yml')
    with open(path, encoding='utf-8') as handle:
        plays = yaml.safe_load(handle)
    task = next(task for play in plays for task in play.get('tasks', [])
                if task['name'] == 'Check the platform settings and the node addresses')
    settings = task['vars']['_platform_preflight_settings']
    assert set(checks.RENAMED) <= set(settings), 'add the old names to playbooks/preflight.yml: %s' % sorted(
        set(checks.RENAMED) - set(settings))
