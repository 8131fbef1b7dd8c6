# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the registry role's settings, run before anything is written.

Each problem is one sentence ``<variable>=<value>: <what is wrong>; <how to fix it>``; passwords and the shared
secret are shown by their length only.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

HOSTNAME = re.compile(r'^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$')
USER_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
K8S_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$')
QUANTITY = re.compile(r'^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$')
CRON_FIELD = re.compile(r'^[0-9*/,A-Za-z-]+$')
USER_KEYS = ('name', 'password')
SHARED_SECRET_MIN = 32
BCRYPT_MAX_BYTES = 72


def _secret(value):
    return '(%d characters)' % len(value) if isinstance(value, string_types) else '(not a string)'


def _users(settings):
    users = settings.get('registry_users')
    minimum = settings.get('registry_password_min_length', 12)
    if not isinstance(users, list) or not users:
        return ['registry_users=%r: no registry users; give at least one {name: ..., password: "{{ vault_... }}"} '
                '(Jenkins pushes with one of them)' % (users,)]
    problems = []
    seen = set()
    for index, user in enumerate(users):
        where = 'registry_users[%d]' % index
        if not isinstance(user, dict):
            problems.append('%s=(a %s): each user is a dictionary; write {name: ..., password: ...}' % (where, type(user).__name__))
            continue
        unknown = sorted(set(user) - set(USER_KEYS))
        if unknown:
            problems.append('%s: unknown key(s) %s; a user has only %s' % (where, ', '.join(unknown), ' and '.join(USER_KEYS)))
        name = user.get('name')
        if not isinstance(name, string_types) or not USER_NAME.match(name):
            problems.append('%s.name=%r: not a user name; use letters, digits, ".", "_" or "-" (no ":"), up to 64' % (where, name))
        elif name in seen:
            problems.append('%s.name=%r: the user is listed twice; keep one entry per user' % (where, name))
        else:
            seen.add(name)
        password = user.get('password')
        if not isinstance(password, string_types) or not password:
            problems.append('%s.password=(empty): the user %r has no password; set it from the vault' % (where, name))
        elif len(password) < minimum:
            problems.append('%s.password=%s: shorter than registry_password_min_length (%d); use a longer password'
                            % (where, _secret(password), minimum))
        elif len(password.encode('utf-8')) > BCRYPT_MAX_BYTES:
            problems.append('%s.password=%s: longer than %d bytes, which bcrypt cannot use; use a shorter password'
                            % (where, _secret(password), BCRYPT_MAX_BYTES))
    return problems


def registry_problems(settings):
    """Problems of the registry role's settings (a mapping of variable name to value); an empty list when all is well."""
    if not isinstance(settings, dict):
        raise AnsibleFilterError('registry_problems needs a mapping of the registry settings')
    problems = _users(settings)
    secret = settings.get('registry_ha_shared_secret')
    if not isinstance(secret, string_types) or len(secret) < SHARED_SECRET_MIN:
        problems.append('registry_ha_shared_secret=%s: needs at least %d characters; generate one once '
                        '(openssl rand -hex 32) and keep it in the vault' % (_secret(secret or ''), SHARED_SECRET_MIN))
    hostname = settings.get('registry_hostname')
    if not isinstance(hostname, string_types) or not HOSTNAME.match(hostname):
        problems.append('registry_hostname=%r: not a DNS name (lower case labels, a dot, a top-level domain); '
                        'set platform_domain or registry_hostname, e.g. registry.example.com' % (hostname,))
    cost = settings.get('registry_htpasswd_cost')
    if isinstance(cost, bool) or not isinstance(cost, int) or not 4 <= cost <= 31:
        problems.append('registry_htpasswd_cost=%r: bcrypt costs go from 4 to 31; keep the default 12' % (cost,))
    size = settings.get('registry_persistence_size')
    if not isinstance(size, string_types) or not QUANTITY.match(size):
        problems.append('registry_persistence_size=%r: not a Kubernetes quantity; write e.g. 50Gi' % (size,))
    schedule = settings.get('registry_garbage_collect_schedule')
    fields = schedule.split() if isinstance(schedule, string_types) else []
    if len(fields) != 5 or not all(CRON_FIELD.match(field) for field in fields):
        problems.append('registry_garbage_collect_schedule=%r: not a cron schedule of five fields; write e.g. "0 1 * * *"' % (schedule,))
    gateway = settings.get('registry_gateway')
    parts = gateway.split('/') if isinstance(gateway, string_types) else []
    if len(parts) != 2 or not all(K8S_NAME.match(part) for part in parts):
        problems.append('registry_gateway=%r: not <namespace>/<name> of the Istio Gateway; e.g. istio-ingress/default-gateway' % (gateway,))
    for variable in ('registry_namespace', 'registry_release_name', 'registry_tls_secret_name', 'registry_tls_source_secret_name',
                     'registry_tls_source_namespace'):
        value = settings.get(variable)
        if not isinstance(value, string_types) or not K8S_NAME.match(value):
            problems.append('%s=%r: not a Kubernetes object name (lower case letters, digits and "-")' % (variable, value))
    return problems


class FilterModule(object):
    """Registry settings checks."""

    def filters(self):
        return {'registry_problems': registry_problems}
