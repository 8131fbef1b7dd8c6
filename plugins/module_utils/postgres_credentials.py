# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the operator-made user Secret <cluster>-pguser-<user> into connection facts.

The operator's uri and pgbouncer-uri embed the password; without include_password they come back with the
password removed, so nothing secret is returned unless asked for.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import re

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urllib import quote

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
