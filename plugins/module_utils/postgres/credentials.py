# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the operator-made user Secret <cluster>-pguser-<user> and the cluster's Services into connection facts.

The Secret's host (<cluster>-primary.<namespace>.svc) only resolves inside the cluster. From outside, clients use
the Services the operator makes of the spec's service types: <cluster>-ha (the primary; <cluster>-primary is always
headless), <cluster>-replicas and <cluster>-pgbouncer; their load balancer addresses are in status.loadBalancer.

The operator's uri and pgbouncer-uri embed the password; without include_password they come back with the
password removed, so nothing secret is returned unless asked for.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import re

try:
    from urllib.parse import quote, urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urllib import quote
    from urlparse import urlsplit, urlunsplit

# Fallback when the password text is not found as such: user:...@ up to the last "@" (host and port have none).
_URI_PASSWORD = re.compile(r'^(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:@/]*):.*@(?=[^@]*$)')


def secret_name(cluster, user):
    """The operator's name for a user's Secret."""
    return '%s-pguser-%s' % (cluster, user)


def decode(data):
    """A Secret's data (base64 values) as text."""
    return dict((key, base64.b64decode(value).decode('utf-8')) for key, value in (data or {}).items())


def strip_password(uri, password):
    """The uri without its password, raw or percent-encoded (None stays None)."""
    if not uri:
        return uri
    for form in (password, quote(password or '', safe='')):
        if form:
            uri = uri.replace(':%s@' % form, '@', 1)
    return _URI_PASSWORD.sub(r'\g<scheme>\g<user>@', uri)


def credentials(data, include_password):
    """Connection facts from the decoded Secret data; the password (and uris with it) only when asked."""
    facts = {
        'user': data.get('user'),
        'dbname': data.get('dbname'),
        'host': data.get('host'),
        'port': int(data['port']) if data.get('port') else None,
        'pgbouncer_host': data.get('pgbouncer-host'),
        'pgbouncer_port': int(data['pgbouncer-port']) if data.get('pgbouncer-port') else None,
    }
    if include_password:
        facts['password'] = data.get('password')
        facts['uri'] = data.get('uri')
        facts['pgbouncer_uri'] = data.get('pgbouncer-uri')
    else:
        facts['uri'] = strip_password(data.get('uri'), data.get('password'))
        facts['pgbouncer_uri'] = strip_password(data.get('pgbouncer-uri'), data.get('password'))
    return facts


# (role, Service name pattern, name of its port) as the operator creates them.
EXTERNAL_SERVICES = (
    ('primary', '%s-ha', 'postgres'),
    ('replicas', '%s-replicas', 'postgres'),
    ('pgbouncer', '%s-pgbouncer', 'pgbouncer'),
)


def service_endpoint(service, port_name):
    """Name, type, assigned load balancer addresses (IP or hostname) and ports of one Service (None stays None)."""
    if not service:
        return None
    spec = service.get('spec') or {}
    ingress = ((service.get('status') or {}).get('loadBalancer') or {}).get('ingress') or []
    ports = spec.get('ports') or []
    port = next((item for item in ports if item.get('name') == port_name), ports[0] if ports else {})
    return {
        'service': (service.get('metadata') or {}).get('name'),
        'type': spec.get('type'),
        'addresses': [entry.get('ip') or entry.get('hostname') for entry in ingress if entry.get('ip') or entry.get('hostname')],
        'port': port.get('port'),
        'node_port': port.get('nodePort'),
    }


def with_host(uri, host, port):
    """uri with its host and port replaced (user, password, database and parameters kept); None without a host."""
    if not uri or not host:
        return None
    parts = urlsplit(uri)
    userinfo = parts.netloc.rpartition('@')[0]
    address = '[%s]' % host if ':' in host else host
    netloc = '%s%s%s' % (userinfo + '@' if userinfo else '', address, ':%d' % port if port else '')
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def external_facts(endpoints, facts):
    """The externally reachable addresses for the report: external_host/_port/_uri and the pgBouncer ones.

    endpoints: role -> service_endpoint() (None when the Service does not exist); facts: credentials().
    """
    found = {}
    for role, prefix, uri_key in (('primary', 'external', 'uri'), ('pgbouncer', 'external_pgbouncer', 'pgbouncer_uri')):
        endpoint = endpoints.get(role) or {}
        host = endpoint.get('addresses', [None])[0] if endpoint.get('addresses') else None
        found[prefix + '_host'] = host
        found[prefix + '_port'] = endpoint.get('port') if host else None
        found[prefix + '_uri'] = with_host(facts.get(uri_key), host, endpoint.get('port'))
    replicas = endpoints.get('replicas') or {}
    found['external_replicas_host'] = replicas['addresses'][0] if replicas.get('addresses') else None
    return found
