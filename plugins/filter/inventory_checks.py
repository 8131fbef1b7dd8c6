# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the inventory that need no API server and no node: the one place every preflight calls.

Phase 0 (playbooks/preflight.yml) runs every check for every phase site.yml will run and fails once with
all problems; each role's tasks/preflight_inventory.yml runs the checks of its own settings when the role
runs alone. Each check is a pure function of a mapping of settings (variable name -> value) and returns
problems, each one sentence of the form

    <variable>=<value>: <what is wrong>; <how to fix it>

Secrets are shown by their length only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import binascii
import ipaddress
import json
import os
import re
import struct

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.six import string_types

from ansible_collections.baremetal.platform.plugins.filter.metallb_pools import metallb_pool_problems, parse_block
from ansible_collections.baremetal.platform.plugins.filter.metallb_versions import (
    LEGACY_ANNOTATION_PREFIX, METALLB_IO_ANNOTATIONS_FROM, metallb_annotation_prefix, metallb_release)
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.spec import (
    POSTGRES_VERSIONS, validation_errors)

ENGINES = ('rke1', 'rke2', 'external')
# OpenSSH public key types (ssh -Q key, plus the FIDO ones).
SSH_KEY_TYPES = ('ssh-ed25519', 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
                 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com')
LINUX_USER = re.compile(r'^[a-z_][a-z0-9_.-]{0,31}$')
DNS_LABEL = re.compile(r'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')
EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
SHA256 = re.compile(r'^[0-9a-fA-F]{64}$')
RKE2_VERSION = re.compile(r'^v[0-9]+\.[0-9]+\.[0-9]+\+rke2r[0-9]+$')
K8S_NAME = re.compile(r'^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$')
# Looks like dotted IPv4 numerals (so a typo such as 10.0.0.300 is not taken for a host name).
DOTTED_NUMBERS = re.compile(r'^[0-9.]+$')
RKE2_TOKEN_MIN = 16
BACKUP_PASSPHRASE_MIN = 12
RANCHER_PASSWORD_MIN = 12


class Unset(object):
    """A value the inventory does not give (a vault variable left undefined)."""

    def __repr__(self):
        return '(not set)'


UNSET = Unset()


def show(value, limit=80):
    """The value as the message shows it: JSON, shortened."""
    if isinstance(value, Unset):
        return '(not set)'
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


def secret(value):
    """A secret as the message shows it: its length only."""
    if isinstance(value, Unset) or value is None:
        return '(not set)'
    return '(%d characters)' % len(str(value))


def problem(variable, shown, what, fix):
    return '%s=%s: %s; %s' % (variable, shown, what, fix)


def _is_set(value):
    return not isinstance(value, Unset) and value is not None


def _as_int(value):
    """int(value), or None when it is no whole number (booleans are not numbers here)."""
    if isinstance(value, bool) or not _is_set(value):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _is_list(value):
    return isinstance(value, (list, tuple))


def _truthy(value):
    if isinstance(value, string_types):
        return value.strip().lower() in ('1', 'true', 'yes', 'on', 'y')
    return bool(value) if _is_set(value) else False


def dns_name_problem(name, need_dot=True):
    """Why ``name`` is not a DNS name (lowercase labels of 1-63 characters), or '' when it is one."""
    if not isinstance(name, string_types) or not name:
        return 'is empty'
    if name != name.lower():
        return 'has upper-case letters'
    if len(name) > 253:
        return 'is longer than 253 characters'
    labels = name.split('.')
    if any(label == '' for label in labels):
        return 'has an empty label (two dots in a row, or a leading or trailing dot)'
    bad = [label for label in labels if label != '*' and not DNS_LABEL.match(label)]
    if bad:
        return 'label %s is not letters, digits and inner hyphens (at most 63)' % show(bad[0])
    if need_dot and len(labels) < 2:
        return 'is a single label, not a domain'
    if '*' in labels:
        return 'has a wildcard label'
    return ''


def email_problem(address):
    """Why ``address`` is not an e-mail address, or '' when it is one."""
    if not isinstance(address, string_types) or not address:
        return 'is empty'
    local, at, domain = address.rpartition('@')
    if not at or not local:
        return 'has no local part and @'
    if not EMAIL_LOCAL.match(local):
        return 'local part %s is not valid (no spaces, no leading, trailing or double dots)' % show(local)
    reason = dns_name_problem(domain.lower())
    return 'domain %s %s' % (show(domain), reason) if reason else ''


# --- platform -------------------------------------------------------------------------------------------------

# Variables that one role set and others read, now a platform_* variable every role reads through its own default.
# A user's inventory may still set the old name, which nothing reads any more: say so instead of ignoring it.
RENAMED = {
    'helm_binary_path': 'platform_helm_binary',
    'metallb_helm_binary': 'platform_helm_binary',
}


def check_metallb_version_followers(settings):
    """metallb_chart_version set in the inventory where platform_metallb_chart_version, which the istio role reads for
    MetalLB's annotation prefix (metallb.io since 0.14.9), says otherwise or is missing for an old MetalLB."""
    role_pin, platform_pin = settings.get('metallb_chart_version', UNSET), settings.get('platform_metallb_chart_version', UNSET)
    if not _is_set(role_pin):
        return []
    if _is_set(platform_pin) and str(platform_pin) != str(role_pin):
        return [problem('metallb_chart_version', show(role_pin), 'differs from platform_metallb_chart_version=%s, which '
                        'the istio role follows' % show(platform_pin), 'set only platform_metallb_chart_version')]
    istio_annotates = _truthy(settings.get('platform_addons_istio', True)) and (
        any(_is_set(settings.get(name)) and str(settings[name]).strip()
            for name in ('istio_gateway_load_balancer_ip', 'istio_gateway_address_pool')))
    if not _is_set(platform_pin) and istio_annotates and metallb_release(role_pin) is not None \
            and metallb_annotation_prefix(role_pin) == LEGACY_ANNOTATION_PREFIX:
        return [problem('metallb_chart_version', show(role_pin), 'MetalLB below %s reads only the metallb.universe.tf '
                        'annotations, and the istio role picks them from platform_metallb_chart_version (not set, so it '
                        'would write metallb.io ones that MetalLB ignores)' % '.'.join(map(str, METALLB_IO_ANNOTATIONS_FROM)),
                        'set platform_metallb_chart_version: %s instead (the metallb role follows it)' % role_pin)]
    return []


# node_* settings that the rke1 role follows through a platform_* variable: (node's, rke1's own, platform's, fallback).
ADMIN_FOLLOWERS = (
    ('node_admin_user', 'rke1_ssh_user', 'platform_admin_user', 'kubeuser'),
    ('node_admin_private_key_file', 'rke1_ssh_key_path', 'platform_admin_private_key_file', ''),
)


def check_admin_followers(settings):
    """With rke1, a node_admin_* set in the inventory that the rke1 role would not log in with: it follows the
    platform_admin_* variable (before, it read the node role's)."""
    if settings.get('platform_engine', UNSET) != 'rke1':
        return []
    problems = []
    for node_name, rke1_name, platform_name, fallback in ADMIN_FOLLOWERS:
        node_value, platform_value = settings.get(node_name, UNSET), settings.get(platform_name, UNSET)
        if not _is_set(node_value) or _is_set(settings.get(rke1_name, UNSET)):
            continue
        followed = platform_value if _is_set(platform_value) else fallback
        if str(node_value) != str(followed):
            problems.append(problem(node_name, show(node_value), 'rke1 would log in with %s=%s instead (it follows the '
                                    'platform variable, not the node role\'s)' % (platform_name, show(followed)),
                                    'set %s: %s instead (the node role follows it)' % (platform_name, node_value)))
    return problems


def check_platform(settings):
    """platform_engine, platform_domain, platform_acme_email; old names of platform_* variables and settings that
    several roles must agree on."""
    problems = []
    for old, new in sorted(RENAMED.items()):
        if _is_set(settings.get(old, UNSET)):
            problems.append(problem(old, show(settings[old]), 'renamed %s (every role and phase reads that one)' % new,
                                    'rename it to %s in your inventory' % new))
    problems += check_metallb_version_followers(settings)
    problems += check_admin_followers(settings)
    engine = settings.get('platform_engine', UNSET)
    if engine not in ENGINES:
        problems.append(problem('platform_engine', show(engine), 'not an engine this collection knows',
                                'set it to rke1, rke2 or external in group_vars/all'))
    domain = settings.get('platform_domain', UNSET)
    if _is_set(domain) or 'platform_domain' in settings:
        reason = dns_name_problem(domain if _is_set(domain) else '')
        if reason:
            problems.append(problem('platform_domain', show(domain), 'not a domain name: it %s' % reason,
                                    'set your domain, e.g. example.com'))
    email = settings.get('platform_acme_email', UNSET)
    if _is_set(email) or 'platform_acme_email' in settings:
        reason = email_problem(email if _is_set(email) else '')
        if reason:
            problems.append(problem('platform_acme_email', show(email), 'not an e-mail address: it %s' % reason,
                                    "set the Let's Encrypt account's address, e.g. admin@example.com"))
    return problems


# --- nodes: admin keys, user, sshd --------------------------------------------------------------------------

def ssh_key_problem(line):
    """Why one authorized_keys line is not a public key, or '' when it is one."""
    if not isinstance(line, string_types) or not line.strip():
        return 'is empty'
    if '\n' in line.strip():
        return 'holds more than one line; give one key per list item'
    fields = line.split()
    if len(fields) < 2:
        return 'has no key body; the form is "TYPE BASE64 [comment]"'
    if fields[0] not in SSH_KEY_TYPES:
        if 'PRIVATE KEY' in line:
            return 'is a private key; give the .pub file'
        return 'type %s is not an SSH public key type (%s)' % (show(fields[0]), ', '.join(SSH_KEY_TYPES[:3]) + ', ...')
    try:
        blob = base64.b64decode(fields[1].encode('ascii'), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return 'body of the %s key is not base64 (truncated or broken when copied)' % fields[0]
    parts = _ssh_strings(blob)
    if not parts or parts[0] != fields[0].encode('ascii'):
        return 'body does not decode to a %s key (truncated, or type and body from different keys)' % fields[0]
    if fields[0] == 'ssh-ed25519' and (len(parts) != 2 or len(parts[1]) != 32):
        return 'body is not a whole ssh-ed25519 key (it needs a 32-byte key; truncated when copied?)'
    return ''


def _ssh_strings(blob):
    """The length-prefixed strings of an SSH public key blob, or [] when they do not fill it exactly."""
    parts = []
    offset = 0
    while offset < len(blob):
        if offset + 4 > len(blob):
            return []
        length = struct.unpack('>I', blob[offset:offset + 4])[0]
        offset += 4
        if offset + length > len(blob):
            return []
        parts.append(blob[offset:offset + length])
        offset += length
    return parts


def check_admin_keys(settings):
    keys = settings.get('node_admin_authorized_keys', UNSET)
    fix = 'list the admin user\'s public keys, one "TYPE BASE64 [comment]" line each (e.g. the content of ~/.ssh/id_ed25519.pub)'
    if not _is_set(keys) or isinstance(keys, string_types) or not _is_list(keys):
        return [problem('node_admin_authorized_keys', show(keys), 'not a list of public keys', fix)]
    if not keys:
        return [problem('node_admin_authorized_keys', '[]', 'the list is empty: nobody could log in once root login is off',
                        fix)]
    problems = []
    for index, line in enumerate(keys):
        reason = ssh_key_problem(line)
        if reason:
            problems.append(problem('node_admin_authorized_keys[%d]' % index, show(line, 60), 'the key ' + reason, fix))
    return problems


def check_node(settings):
    """The node role's settings (admin user and keys, sshd, time sync, docker source, guard key)."""
    problems = check_admin_keys(settings)
    user = settings.get('node_admin_user', UNSET)
    if not isinstance(user, string_types) or not LINUX_USER.match(user) or user == 'root':
        problems.append(problem('node_admin_user', show(user), 'not a non-root Linux user name',
                                'use lower-case letters, digits, "_", "-" or "." (e.g. kubeuser)'))
    choices = (('node_engine', ENGINES, 'it follows platform_engine'),
               ('node_ssh_permit_root_login', ('prohibit-password', 'forced-commands-only', 'no'), 'prohibit-password keeps key logins'),
               ('node_time_sync', ('systemd-timesyncd', 'chrony', 'none'), 'systemd-timesyncd is the default'),
               ('node_docker_source', ('distribution', 'docker-ce'), 'distribution is the default'))
    for variable, allowed, hint in choices:
        if variable in settings and settings[variable] not in allowed:
            problems.append(problem(variable, show(settings[variable]), 'not one of ' + ', '.join(allowed), hint))
    if 'node_ssh_max_auth_tries' in settings:
        tries = _as_int(settings['node_ssh_max_auth_tries'])
        if tries is None or tries < 1:
            problems.append(problem('node_ssh_max_auth_tries', show(settings['node_ssh_max_auth_tries']),
                                    'must be a whole number of 1 or more', 'the default is 3'))
    if _truthy(settings.get('node_ssh_hardening_enabled', True)) and 'node_admin_private_key_file' in settings:
        path = settings['node_admin_private_key_file']
        if not isinstance(path, string_types) or not path:
            problems.append(problem('node_admin_private_key_file', show(path), 'empty: the lock-out guard logs in with it '
                                    'before root and password logins are turned off', 'name the admin user\'s private key on '
                                    'the controller'))
        elif not os.path.isfile(os.path.expanduser(path)):
            problems.append(problem('node_admin_private_key_file', show(path), 'no such file on the controller',
                                    'create the key (ssh-keygen -t ed25519 -f %s) or fix the path' % path))
    return problems


# --- node addresses --------------------------------------------------------------------------------------------

def _address_problem(text, internal):
    """(ip_address or None, why it is not valid or '')."""
    if not isinstance(text, string_types) or not text.strip():
        return None, 'is empty'
    text = text.strip()
    try:
        return ipaddress.ip_address(text), ''
    except ValueError:
        pass
    if internal:
        return None, 'is not an IP address'
    if DOTTED_NUMBERS.match(text) or ':' in text:
        return None, 'is not a valid IP address'
    reason = dns_name_problem(text.lower(), need_dot=False)
    return None, ('is neither an IP address nor a host name: it %s' % reason) if reason else ''


def check_node_addresses(hosts):
    """hosts: [{name, address, internal_address}] of the cluster's nodes. Valid IPs, no address used twice."""
    problems = []
    seen = {}
    for host in hosts or []:
        name = host.get('name')
        for key, variable, internal in (('address', 'ansible_host', False), ('internal_address', 'internal_address', True)):
            value = host.get(key)
            if value in (None, '') and key == 'internal_address':
                continue
            address, reason = _address_problem(value, internal)
            if reason:
                problems.append(problem('%s (host %s)' % (variable, name), show(value), reason,
                                        'set the node\'s %s address in the inventory' % ('private' if internal else 'public')))
                continue
            normal = str(address) if address is not None else value.strip().lower()
            if normal in seen and seen[normal][0] != name:
                problems.append(problem('%s (host %s)' % (variable, name), show(value),
                                        'also %s of host %s' % (seen[normal][1], seen[normal][0]),
                                        'give every node its own addresses'))
            seen.setdefault(normal, (name, variable))
    return problems


def node_ip_addresses(hosts):
    """The IP addresses (public and internal) of the nodes, skipping host names."""
    found = []
    for host in hosts or []:
        for key in ('address', 'internal_address'):
            try:
                found.append(ipaddress.ip_address(str(host.get(key) or '').strip()))
            except ValueError:
                continue
    return found


# --- engines -------------------------------------------------------------------------------------------------

def check_rke2(settings, servers=None):
    """rke2 settings; servers: the hosts of rke2_servers_group (None when the group does not exist)."""
    problems = []
    group = settings.get('rke2_servers_group', 'k8s_controlplane')
    if not servers:
        problems.append(problem('rke2_servers_group', show(group), 'the group has no hosts (%s)' % (
            'it does not exist' if servers is None else 'it is empty'), 'put at least one server in it: its first host '
            'bootstraps the cluster'))
    version = settings.get('rke2_version', UNSET)
    if not isinstance(version, string_types) or not RKE2_VERSION.match(version):
        problems.append(problem('rke2_version', show(version), 'not an RKE2 release', 'use the form v1.36.3+rke2r1'))
    if settings.get('rke2_arch', 'amd64') not in ('amd64', 'arm64'):
        problems.append(problem('rke2_arch', show(settings.get('rke2_arch')), 'not amd64 or arm64', 'set amd64 or arm64'))
    sha256 = settings.get('rke2_tarball_sha256', '')
    source = settings.get('rke2_tarball_src', '')
    if not isinstance(sha256, string_types) or (sha256 and not SHA256.match(sha256)):
        problems.append(problem('rke2_tarball_sha256', show(sha256, 70), 'not 64 hex digits',
                                'take the line for the tarball from the release\'s sha256sum-ARCH.txt, or "" to read that file'))
    elif not sha256 and source:
        problems.append(problem('rke2_tarball_sha256', '""', 'rke2_tarball_src %s is a local file and needs its own checksum'
                                % source, 'set it to the output of sha256sum %s' % source))
    elif not sha256 and not re.match(r'^https?://', str(settings.get('rke2_tarball_checksum_url') or '')):
        problems.append(problem('rke2_tarball_checksum_url', show(settings.get('rke2_tarball_checksum_url', UNSET)),
                                'with rke2_tarball_sha256 "" the tarball is verified against this file, and it is no '
                                'http(s) URL', 'set rke2_tarball_sha256 to the tarball\'s sha256, or this to the '
                                'release\'s sha256sum-ARCH.txt'))
    token = settings.get('rke2_token', UNSET)
    if not isinstance(token, string_types) or len(token) < RKE2_TOKEN_MIN:
        problems.append(problem('rke2_token', secret(token), 'the cluster token must be a string of %d or more characters'
                                % RKE2_TOKEN_MIN, 'set vault_rke2_token in the vault to a long random string '
                                '(openssl rand -hex 32)'))
    retention = _as_int(settings.get('rke2_etcd_snapshot_retention', 5))
    if retention is None or retention < 1:
        problems.append(problem('rke2_etcd_snapshot_retention', show(settings.get('rke2_etcd_snapshot_retention')),
                                'etcd snapshots would not be kept', 'keep at least 1 (the default is 5)'))
    if _truthy(settings.get('rke2_backup_enabled', False)):
        passphrase = settings.get('rke2_backup_passphrase', UNSET)
        if not isinstance(passphrase, string_types) or len(passphrase) < BACKUP_PASSPHRASE_MIN:
            problems.append(problem('rke2_backup_passphrase', secret(passphrase), 'the state backups are encrypted with '
                                    'it and it needs %d or more characters' % BACKUP_PASSPHRASE_MIN,
                                    'set vault_rkestate_backup_passphrase in the vault, or rke2_backup_enabled: false'))
        keep = _as_int(settings.get('rke2_backup_keep', 10))
        if keep is None or keep < 1:
            problems.append(problem('rke2_backup_keep', show(settings.get('rke2_backup_keep')),
                                    'no backup would be kept', 'keep at least 1 (the default is 10)'))
    for variable in ('rke2_node_labels', 'rke2_node_taints', 'rke2_tls_san', 'rke2_disable'):
        if variable in settings and not _is_list(settings[variable]):
            problems.append(problem(variable, show(settings[variable]), 'not a list', 'write it as a YAML list'))
    return problems


def check_rke1(settings, etcd_nodes=None):
    """rke1 settings that need no cluster.yml; etcd_nodes: the hosts of rke1_etcd_group."""
    problems = []
    count = len(etcd_nodes or [])
    group = settings.get('rke1_etcd_group', 'k8s_etcd')
    if count == 0 or count % 2 == 0:
        problems.append(problem('rke1_etcd_group', show(group), '%d etcd nodes (%s): etcd needs an odd count, an even one '
                                'tolerates no more failures than one node fewer' % (count, ', '.join(etcd_nodes or []) or 'none'),
                                'put 1, 3 or 5 hosts in it'))
    sha256 = settings.get('rke1_binary_sha256', '')
    if not isinstance(sha256, string_types) or (sha256 and not SHA256.match(sha256)):
        problems.append(problem('rke1_binary_sha256', show(sha256, 70), 'not 64 hex digits',
                                'take the line from the release\'s sha256sum.txt, or "" to read that file'))
    elif not sha256 and not re.match(r'^https?://', str(settings.get('rke1_binary_checksum_url') or '')):
        problems.append(problem('rke1_binary_checksum_url', show(settings.get('rke1_binary_checksum_url', UNSET)),
                                'with rke1_binary_sha256 "" the binary is verified against this file, and it is no '
                                'http(s) URL', 'set rke1_binary_sha256, or this to the release\'s sha256sum.txt'))
    if _truthy(settings.get('rke1_backup_enabled', False)):
        passphrase = settings.get('rke1_backup_passphrase', UNSET)
        if not isinstance(passphrase, string_types) or len(passphrase) < BACKUP_PASSPHRASE_MIN:
            problems.append(problem('rke1_backup_passphrase', secret(passphrase), 'the cluster.rkestate backups are '
                                    'encrypted with it and it needs %d or more characters (as rke2_backup_passphrase)'
                                    % BACKUP_PASSPHRASE_MIN, 'set vault_rkestate_backup_passphrase in the vault, or '
                                    'rke1_backup_enabled: false'))
    return problems


# --- add-ons ---------------------------------------------------------------------------------------------------

def _default_subnets(addresses):
    subnets = []
    for address in addresses:
        network = ipaddress.ip_network('%s/%d' % (address, 24 if address.version == 4 else 64), strict=False)
        if network not in subnets:
            subnets.append(network)
    return subnets


# metallb role variables that are no longer read (the play's module_defaults pick the cluster for every add-on role):
# refused rather than ignored, so the role never installs on another cluster than the one they name.
METALLB_REMOVED = {
    'metallb_kubeconfig': 'set platform_kubeconfig (the addons play passes it to every add-on role) and remove it',
    'metallb_context': 'make it the current context of platform_kubeconfig and remove it',
}


def check_metallb(settings, hosts=None):
    """No removed setting; pools well-formed, not overlapping each other or a node address, layer2 pools inside the nodes'
    subnets."""
    removed = [problem(name, show(settings[name]), 'no longer read (the play\'s module_defaults choose the cluster)', fix)
               for name, fix in sorted(METALLB_REMOVED.items()) if _is_set(settings.get(name, UNSET))]
    return removed + _check_metallb_pools(settings, hosts)


def _check_metallb_pools(settings, hosts):
    pools = settings.get('metallb_address_pools', UNSET)
    fix = 'list pools as {name, addresses: [CIDR or FIRST-LAST], protocol: layer2|bgp}'
    if not _is_list(pools):
        return [problem('metallb_address_pools', show(pools), 'not a list of pools', fix)]
    if not pools:
        return [problem('metallb_address_pools', '[]', 'no pool: LoadBalancer Services would get no address', fix)]
    addresses = node_ip_addresses(hosts)
    reserved = [str(address) for address in addresses] + [str(item) for item in settings.get('metallb_reserved_addresses') or []]
    problems = [problem('metallb_address_pools', show(pools, 120), error, 'change the pool or the node address')
                for error in metallb_pool_problems(list(pools), sorted(set(reserved)))]
    subnets_setting = settings.get('metallb_layer2_subnets') or []
    try:
        subnets = [ipaddress.ip_network(str(item), strict=False) for item in subnets_setting]
    except ValueError as exc:
        return problems + [problem('metallb_layer2_subnets', show(subnets_setting), 'not a list of CIDRs (%s)' % exc,
                                   'list the layer-2 networks of the nodes, e.g. ["192.168.10.0/24"]')]
    subnets = subnets or _default_subnets(addresses)
    if not subnets:
        return problems
    for pool in pools:
        if not isinstance(pool, dict) or pool.get('protocol', 'layer2') != 'layer2' or not _is_list(pool.get('addresses')):
            continue
        for text in pool['addresses']:
            try:
                first, last = parse_block(text)
            except ValueError:
                continue  # reported above
            if not any(first in net and last in net for net in subnets if net.version == first.version):
                problems.append(problem('metallb_address_pools', show(text), 'layer2 pool %s is outside the nodes\' subnets '
                                        '(%s): ARP/NDP answers would not reach its clients' % (
                                            show(pool.get('name')), ', '.join(str(net) for net in subnets)),
                                        'take addresses from the nodes\' subnet, or state the real layer-2 networks in '
                                        'metallb_layer2_subnets'))
    return problems


def check_cert_manager(settings):
    problems = []
    domain = settings.get('cert_manager_domain', UNSET)
    reason = dns_name_problem(domain if _is_set(domain) else '')
    if reason:
        problems.append(problem('cert_manager_domain', show(domain), 'not a domain name: it %s' % reason,
                                'set platform_domain (or cert_manager_domain), e.g. example.com'))
    email = settings.get('cert_manager_acme_email', UNSET)
    reason = email_problem(email if _is_set(email) else '')
    if reason:
        problems.append(problem('cert_manager_acme_email', show(email), 'not an e-mail address: it %s' % reason,
                                'set platform_acme_email (or cert_manager_acme_email), e.g. admin@example.com'))
    servers = settings.get('cert_manager_acme_servers') or {}
    environment = settings.get('cert_manager_acme_environment', UNSET)
    if servers and environment not in servers:
        problems.append(problem('cert_manager_acme_environment', show(environment), 'not one of ' + ', '.join(sorted(servers)),
                                'use production or staging'))
    zones = settings.get('cert_manager_dns_zones', ['x'])
    if not _is_list(zones) or not zones:
        problems.append(problem('cert_manager_dns_zones', show(zones), 'the DNS01 solver needs at least one zone',
                                'list your zone, e.g. [example.com]'))
    token = settings.get('cert_manager_cloudflare_api_token', UNSET)
    if not isinstance(token, string_types) or not token.strip():
        problems.append(problem('cert_manager_cloudflare_api_token', secret(token), 'empty, and the DNS01 (Cloudflare) '
                                'solver needs it', 'create a token with Zone:DNS:Edit and Zone:Zone:Read, put it in the '
                                'vault as vault_cloudflare_api_token'))
    return problems


def check_rancher(settings):
    problems = []
    password = settings.get('rancher_bootstrap_password', UNSET)
    if not isinstance(password, string_types) or len(password) < RANCHER_PASSWORD_MIN:
        problems.append(problem('rancher_bootstrap_password', secret(password), 'Rancher needs %d or more characters'
                                % RANCHER_PASSWORD_MIN, 'put a long random password in the vault as '
                                'vault_rancher_bootstrap_password'))
    hostname = settings.get('rancher_hostname', UNSET)
    reason = dns_name_problem(hostname if _is_set(hostname) else '')
    if reason:
        problems.append(problem('rancher_hostname', show(hostname), 'not a DNS name: it %s' % reason,
                                'set platform_domain (rancher.<domain>) or rancher_hostname'))
    replicas = _as_int(settings.get('rancher_replicas', 3))
    if replicas is None or replicas < 1:
        problems.append(problem('rancher_replicas', show(settings.get('rancher_replicas')), 'must be 1 or more',
                                'the seed ran 3'))
    source = settings.get('rancher_tls_source', 'rancher')
    if source not in ('rancher', 'letsEncrypt', 'secret'):
        problems.append(problem('rancher_tls_source', show(source), 'not rancher, letsEncrypt or secret', 'pick one'))
    if source == 'letsEncrypt':
        email = settings.get('rancher_letsencrypt_email', UNSET)
        reason = email_problem(email if _is_set(email) else '')
        if reason:
            problems.append(problem('rancher_letsencrypt_email', show(email), 'not an e-mail address: it %s' % reason,
                                    'set platform_acme_email (or rancher_letsencrypt_email)'))
    return problems


def _postgres_spec():
    from ansible_collections.baremetal.platform.plugins.modules.postgres_cluster import argument_spec
    spec = argument_spec()
    return dict((key, value) for key, value in spec.items() if key not in _postgres_k8s_keys())


def _postgres_k8s_keys():
    from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import k8s_auth_argument_spec
    return set(k8s_auth_argument_spec())


def check_postgres(settings):
    """platform_postgres_clusters: the postgres_cluster module's own option checks, plus retention and storage class."""
    clusters = settings.get('platform_postgres_clusters', [])
    if not _is_list(clusters):
        return [problem('platform_postgres_clusters', show(clusters), 'not a list of clusters',
                        'list them as {name, namespace, replicas, ...} (inventories/prod/group_vars/all/database.yml)')]
    problems = []
    validator = ArgumentSpecValidator(_postgres_spec())
    default_class = settings.get('postgres_operator_storage_class', '')
    for index, cluster in enumerate(clusters):
        label = 'platform_postgres_clusters[%d]' % index
        if not isinstance(cluster, dict):
            problems.append(problem(label, show(cluster), 'not a mapping', 'give name, namespace and the settings'))
            continue
        if 'users' in cluster and _is_list(cluster['users']) and not cluster['users']:
            problems.append(problem(label + '.users', '[]', 'an empty list: the cluster would have no user to connect as',
                                    'leave users out (one user named after the cluster) or list at least one {name, databases}'))
            continue
        known = dict((key, value) for key, value in cluster.items() if key in validator.argument_spec)
        result = validator.validate(known)
        errors = [str(error) for error in result.errors.messages] if result.errors else []
        if not errors:
            errors = validation_errors(result.validated_parameters)
        for error in errors:
            problems.append(problem(label, show(cluster.get('name', UNSET)), error.rstrip('.'), 'fix that field of the cluster'))
        version = _as_int(cluster.get('postgres_version', 17))
        if errors == [] and version is not None and not POSTGRES_VERSIONS[0] <= version <= POSTGRES_VERSIONS[1]:
            problems.append(problem(label + '.postgres_version', show(version), 'outside %d-%d' % POSTGRES_VERSIONS,
                                    'pick a supported major'))
        options = ((cluster.get('backups') or {}).get('global_options') or {}) if isinstance(cluster.get('backups'), dict) else {}
        for key, value in sorted(options.items()):
            if re.match(r'^repo[1-4]-retention-(full|diff)$', str(key)):
                count = _as_int(value)
                if count is None or count < 1:
                    problems.append(problem('%s.backups.global_options.%s' % (label, key), show(value),
                                            'backups must be kept: retention of 1 or more', 'e.g. "4" (four full backups)'))
        storage_class = cluster.get('storage_class') or default_class
        if storage_class and not K8S_NAME.match(str(storage_class)):
            problems.append(problem(label + '.storage_class', show(storage_class), 'not a StorageClass name',
                                    'name an existing class (kubectl get storageclass), e.g. local-path'))
        if not storage_class:
            problems.append(problem(label + '.storage_class', '""', 'no storage class named (nor '
                                    'postgres_operator_storage_class)', 'name the class for the data volumes, e.g. '
                                    'local-path (the addons phase installs it)'))
    return problems


# --- jenkins --------------------------------------------------------------------------------------------------

JENKINS_PASSWORD_MIN = 12
JENKINS_BUILDERS = ('kaniko', 'buildkit', 'docker')
JENKINS_BRANCH_KEYS = ('push', 'deploy', 'namespace')
# Least to most strict. Each builder's agent pod runs under its level and the looser ones (Agent.groovy):
# kaniko's executor is root in its container (restricted refuses it); BuildKit rootless needs seccomp and AppArmor
# Unconfined; docker is privileged with a hostPath socket.
JENKINS_POD_SECURITY = ('privileged', 'baseline', 'restricted')
JENKINS_BUILDER_POD_SECURITY = {'kaniko': 'baseline', 'buildkit': 'privileged', 'docker': 'privileged'}
JENKINS_BUILDER_CONTAINERS = {'kaniko': ('kaniko', 'crane', 'kubectl'), 'buildkit': ('buildkit', 'kubectl'),
                              'docker': ('docker', 'kubectl')}
# A Kubernetes namespace / object name (RFC 1123 label).
K8S_LABEL = re.compile(r'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')
# A git URL the Job DSL and JCasC can carry: https://, ssh://, git@host:path, no quotes or spaces.
GIT_URL = re.compile(r"^(https://|ssh://|git@)[^\s'\"\\$]+$")
PLUGIN_PIN = re.compile(r'^[a-z0-9][a-z0-9._-]*:[A-Za-z0-9._-]+$')
REGISTRY_HOST = re.compile(r'^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._/-]+)?$')


def _jenkins_branches(branches):
    if not isinstance(branches, dict):
        return [problem('jenkins_branches', show(branches), 'not a mapping of branch name to settings',
                        'write e.g. {staging: {push: true, deploy: true, namespace: staging}}')]
    problems = []
    for name, branch in sorted(branches.items(), key=lambda item: str(item[0])):
        where = 'jenkins_branches.%s' % name
        if not isinstance(branch, dict):
            problems.append(problem(where, show(branch), 'not a mapping', 'give push, deploy and namespace, e.g. '
                                    '{push: true, deploy: true, namespace: qa}'))
            continue
        unknown = sorted(str(key) for key in branch if key not in JENKINS_BRANCH_KEYS)
        if unknown:
            problems.append(problem(where, show(branch), 'unknown key(s) %s' % ', '.join(unknown),
                                    'a branch has only %s (as the library\'s branches setting)' % ', '.join(JENKINS_BRANCH_KEYS)))
        for flag in ('push', 'deploy'):
            if flag in branch and not isinstance(branch[flag], bool):
                problems.append(problem('%s.%s' % (where, flag), show(branch[flag]), 'not true or false', 'write true or false'))
        if branch.get('deploy') is True:
            namespace = branch.get('namespace', UNSET)
            if not isinstance(namespace, string_types) or not K8S_LABEL.match(namespace):
                problems.append(problem(where + '.namespace', show(namespace), 'a deploying branch needs a namespace name',
                                        'lowercase letters, digits and "-", e.g. staging'))
            elif namespace == 'kube-system':
                problems.append(problem(where + '.namespace', show(namespace), 'the deployer must not reach kube-system',
                                        'deploy to a namespace of your own'))
            if branch.get('push') is not True:
                problems.append(problem(where, show(branch), 'deploy: true needs push: true (the cluster can only pull an '
                                        'image that was pushed)', 'set push: true'))
    return problems


def _jenkins_agents(settings):
    """The agent builder, the privileged opt-in, the images of the templates and the Pod Security level they run under."""
    problems = []
    builder = settings.get('jenkins_agent_builder', 'kaniko')
    opt_in = settings.get('jenkins_agent_allow_privileged_docker_socket', False)
    if builder not in JENKINS_BUILDERS:
        problems.append(problem('jenkins_agent_builder', show(builder), 'no such builder in the dockerBuild library',
                                'use kaniko (daemonless, unprivileged; the default), buildkit (rootless, needs Pod Security '
                                'privileged) or docker (privileged, opt-in)'))
    elif builder == 'docker' and not _truthy(opt_in):
        problems.append(problem('jenkins_agent_builder', show(builder), "the docker builder mounts the node's "
                                '/var/run/docker.sock into a privileged pod, which gives every build root on that node',
                                'set jenkins_agent_allow_privileged_docker_socket: true to accept that, or use kaniko'))
    if not isinstance(opt_in, bool) and not (isinstance(opt_in, string_types) and opt_in.lower() in ('true', 'false', 'yes', 'no')):
        problems.append(problem('jenkins_agent_allow_privileged_docker_socket', show(opt_in), 'not true or false',
                                'write true or false'))
    # The templates the role would write (as _jenkins_agent_template_names); a refused docker builder is not one.
    templates = [name for name in [builder] if name in JENKINS_BUILDERS and (name != 'docker' or _truthy(opt_in))]
    templates += ['docker'] if _truthy(opt_in) and 'docker' not in templates else []
    images = settings.get('jenkins_agent_images', UNSET)
    if _is_set(images):
        if not isinstance(images, dict):
            problems.append(problem('jenkins_agent_images', show(images), 'not a mapping of container name to image',
                                    'e.g. {kaniko: gcr.io/kaniko-project/executor:v1.24.0-debug, ...} (see the role defaults)'))
        else:
            needed = sorted(set(name for template in templates for name in JENKINS_BUILDER_CONTAINERS[template]))
            missing = [name for name in needed if not isinstance(images.get(name), string_types) or not images.get(name)
                       or re.search(r'\s', images.get(name))]
            if missing:
                problems.append(problem('jenkins_agent_images', show(sorted(images)), 'no image for container(s) %s, which '
                                        'the agent template(s) %s run' % (', '.join(missing), ', '.join(templates)),
                                        'give every one of %s (the role defaults list them all)' % ', '.join(needed)))
    level = settings.get('jenkins_agent_pod_security', 'baseline')
    if level not in JENKINS_POD_SECURITY:
        problems.append(problem('jenkins_agent_pod_security', show(level), 'not a Pod Security level',
                                'use privileged, baseline or restricted'))
        return problems
    for template in templates:
        needs = JENKINS_BUILDER_POD_SECURITY[template]
        if JENKINS_POD_SECURITY.index(level) > JENKINS_POD_SECURITY.index(needs):
            why = {'kaniko': "the Kaniko executor runs as root in its container",
                   'buildkit': 'BuildKit rootless needs seccomp and AppArmor Unconfined for its user namespaces',
                   'docker': 'the docker template is privileged and mounts the node\'s docker.sock'}[template]
            problems.append(problem('jenkins_agent_pod_security', show(level), 'the agent namespace would refuse every '
                                    '%s agent pod: %s' % (template, why), 'set jenkins_agent_pod_security: %s, or use '
                                    'jenkins_agent_builder kaniko with baseline' % needs))
    return problems


def check_jenkins(settings):
    """The jenkins role's settings: admin password, host names, builder, branches, Discord webhook, monorepo."""
    problems = []
    password = settings.get('jenkins_admin_password', UNSET)
    minimum = _as_int(settings.get('jenkins_admin_password_min_length', JENKINS_PASSWORD_MIN)) or JENKINS_PASSWORD_MIN
    if not isinstance(password, string_types) or len(password) < minimum:
        problems.append(problem('jenkins_admin_password', secret(password), 'the Jenkins admin needs a password of %d or '
                                'more characters' % minimum, 'put a long random one in the vault as vault_jenkins_admin_password'))
    hostname = settings.get('jenkins_hostname', UNSET)
    reason = dns_name_problem(hostname if _is_set(hostname) else '')
    if reason:
        problems.append(problem('jenkins_hostname', show(hostname), 'not a DNS name: it %s' % reason,
                                'set platform_domain (jenkins.<domain>) or jenkins_hostname'))
    problems.extend(_jenkins_agents(settings))
    problems.extend(_jenkins_branches(settings.get('jenkins_branches', {})))
    webhook = settings.get('jenkins_discord_webhook_url', '')
    if _is_set(webhook) and webhook != '' and not (isinstance(webhook, string_types) and webhook.startswith('https://')
                                                   and len(webhook) > len('https://') and not re.search(r'\s', webhook)):
        problems.append(problem('jenkins_discord_webhook_url', '(%s)' % ('a string that does not start with https://'
                                if isinstance(webhook, string_types) else 'not a string'), 'the Discord webhook is not an '
                                'https:// URL', 'store https://discord.com/api/webhooks/<id>/<token> in the vault '
                                '(Channel settings > Integrations > Webhooks), or leave it empty'))
    registry = settings.get('jenkins_registry_hostname', UNSET)
    if not isinstance(registry, string_types) or not REGISTRY_HOST.match(registry) or '.' not in registry.split('/')[0]:
        problems.append(problem('jenkins_registry_hostname', show(registry), 'not host[:port][/path] of the registry',
                                'set platform_domain (registry.<domain>) or jenkins_registry_hostname, without https://'))
    registry_password = settings.get('jenkins_registry_password', UNSET)
    if not isinstance(registry_password, string_types) or not registry_password:
        problems.append(problem('jenkins_registry_password', secret(registry_password), 'empty: the agents could not push',
                                "set it from the vault to the password of the registry user jenkins_registry_user"))
    git_user = settings.get('jenkins_git_username', '')
    git_password = settings.get('jenkins_git_password', '')
    if bool(git_user) != bool(git_password):
        problems.append(problem('jenkins_git_password', secret(git_password), 'jenkins_git_username and jenkins_git_password '
                                'go together', 'give both (a token as password) or neither'))
    url = settings.get('jenkins_monorepo_url', '')
    if _is_set(url) and url != '' and not (isinstance(url, string_types) and GIT_URL.match(url)):
        problems.append(problem('jenkins_monorepo_url', show(url), 'not a git URL', 'https://, ssh:// or git@host:path, '
                                'no quotes, spaces or $'))
    services = settings.get('jenkins_monorepo_services', [])
    if not _is_list(services):
        problems.append(problem('jenkins_monorepo_services', show(services), 'not a list', 'list the service folders, '
                                'e.g. [frontend, backend]'))
    else:
        for index, service in enumerate(services):
            if not isinstance(service, string_types) or not re.match(r'^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$', service):
                problems.append(problem('jenkins_monorepo_services[%d]' % index, show(service), 'not a service folder name',
                                        "lowercase letters, digits and '.', '_', '-' (it is also the image name)"))
        if services and not (isinstance(url, string_types) and url):
            problems.append(problem('jenkins_monorepo_url', show(url), 'jenkins_monorepo_services are listed but there is '
                                    'no monorepo', 'set the git URL of the monorepo'))
    for variable in ('jenkins_namespace', 'jenkins_agent_namespace', 'jenkins_release_name', 'jenkins_deployer_service_account',
                     'jenkins_registry_push_secret_name', 'jenkins_credentials_secret_name', 'jenkins_monorepo_folder'):
        value = settings.get(variable, UNSET)
        if _is_set(value) and not (isinstance(value, string_types) and K8S_LABEL.match(value)):
            problems.append(problem(variable, show(value), 'not a Kubernetes object name', 'lowercase letters, digits and "-"'))
    plugins = settings.get('jenkins_plugins', [])
    for index, pin in enumerate(plugins if _is_list(plugins) else [plugins]):
        if not isinstance(pin, string_types) or not PLUGIN_PIN.match(pin) or pin.endswith(':latest'):
            problems.append(problem('jenkins_plugins[%d]' % index, show(pin), 'not a pinned plugin',
                                    'write <plugin>:<version>, e.g. git:5.10.1 (not latest)'))
    gateway = settings.get('jenkins_gateway', 'istio-ingress/default-gateway')
    parts = gateway.split('/') if isinstance(gateway, string_types) else []
    if len(parts) != 2 or not all(K8S_LABEL.match(part) for part in parts):
        problems.append(problem('jenkins_gateway', show(gateway), 'not <namespace>/<name> of the Istio Gateway',
                                'e.g. istio-ingress/default-gateway'))
    return problems


CHECKS = {
    'platform': check_platform,
    'node': check_node,
    'rke2': check_rke2,
    'rke1': check_rke1,
    'metallb': check_metallb,
    'cert_manager': check_cert_manager,
    'rancher': check_rancher,
    'postgres': check_postgres,
    'jenkins': check_jenkins,
}
NEEDS_HOSTS = {'metallb': 'hosts', 'rke2': 'servers', 'rke1': 'etcd_nodes'}


def inventory_problems(settings, check, hosts=None, servers=None, etcd_nodes=None):
    """Problems of one named check over ``settings`` (variable -> value; None means not set)."""
    if check == 'node_addresses':
        return check_node_addresses(hosts if hosts is not None else settings)
    if check not in CHECKS:
        raise AnsibleFilterError('inventory_problems: unknown check %r (known: %s)' % (check, ', '.join(sorted(CHECKS))))
    if not isinstance(settings, dict):
        raise AnsibleFilterError('inventory_problems expects a mapping of settings, got %s' % type(settings).__name__)
    values = dict((key, UNSET if value is None else value) for key, value in settings.items())
    if check == 'metallb':
        return check_metallb(values, hosts)
    if check == 'rke2':
        return check_rke2(values, servers)
    if check == 'rke1':
        return check_rke1(values, etcd_nodes)
    return CHECKS[check](values)


def _host_var(variables, name, default=None):
    try:
        value = variables[name]
    except (KeyError, TypeError):
        return default
    return default if value is None or type(value).__name__.endswith('Undefined') else value


def inventory_hosts(names, hostvars):
    """[{name, address, internal_address}] of the named hosts, as the inventory gives them.

    address is ansible_host (else the inventory name), internal_address the host's internal_address.
    """
    hosts = []
    for name in names or []:
        try:
            variables = hostvars[name]
        except KeyError:
            variables = {}
        hosts.append({'name': name, 'address': _host_var(variables, 'ansible_host', name),
                      'internal_address': _host_var(variables, 'internal_address', '')})
    return hosts


def _has_fact(hostvars, name, fact):
    try:
        hostvars[name][fact]
    except KeyError:
        return False
    return True


def inventory_host_problems(names, hostvars, fact='_platform_preflight_host_problems'):
    """The per-host problems phase 0 collected (fact on each host), each listed once with the hosts it concerns."""
    names = [name for name in names or [] if _has_fact(hostvars, name, fact)]
    order = []
    hosts_of = {}
    for name in names or []:
        try:
            problems = hostvars[name][fact]
        except KeyError:
            continue  # not in this run (--limit); a host whose checks failed to run stopped the run already
        for text in problems or []:
            if text not in hosts_of:
                order.append(text)
                hosts_of[text] = []
            hosts_of[text].append(name)
    every = len(names or []) > 1
    return ['%s: %s' % ('every node' if every and len(hosts_of[text]) == len(names) else ', '.join(hosts_of[text]), text)
            for text in order]


class FilterModule(object):
    """Inventory checks shared by phase 0 and the roles' preflights."""

    def filters(self):
        return {'inventory_problems': inventory_problems, 'inventory_hosts': inventory_hosts,
                'inventory_host_problems': inventory_host_problems}
