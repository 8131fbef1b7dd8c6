# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An htpasswd file with bcrypt hashes (the only kind the distribution registry accepts), the same on every run."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import base64
import hashlib
import hmac

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

try:
    import bcrypt
    HAS_BCRYPT = True
except ImportError:
    HAS_BCRYPT = False

_STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
_BCRYPT = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
_TRANSLATE = dict(zip(_STANDARD, _BCRYPT))
MAX_PASSWORD_BYTES = 72  # bcrypt reads no further; bcrypt >= 5 refuses longer passwords


def _salt(key, name, cost):
    """A bcrypt salt derived from ``key`` and the user name: the same input gives the same hash, so runs are idempotent."""
    digest = hmac.new(key.encode('utf-8'), ('htpasswd:' + name).encode('utf-8'), hashlib.sha256).digest()[:16]
    encoded = base64.b64encode(digest).decode('ascii').rstrip('=')
    return ('$2b$%02d$' % cost + ''.join(_TRANSLATE[char] for char in encoded)).encode('ascii')


def htpasswd_bcrypt(users, key, cost=12):
    """``name:<bcrypt hash>`` lines for ``users`` (a list of {name, password}), salted from ``key``."""
    if not HAS_BCRYPT:
        raise AnsibleFilterError('htpasswd_bcrypt needs the Python library bcrypt on the controller: pip install bcrypt '
                                 '(it is in the collection\'s requirements.txt)')
    if not isinstance(key, string_types) or len(key) < 16:
        raise AnsibleFilterError('htpasswd_bcrypt needs a key of at least 16 characters to derive the salts '
                                 '(the registry role passes registry_ha_shared_secret)')
    if not isinstance(cost, int) or isinstance(cost, bool) or not 4 <= cost <= 31:
        raise AnsibleFilterError('htpasswd_bcrypt cost must be an integer from 4 to 31, got %r' % (cost,))
    if not isinstance(users, list) or not users:
        raise AnsibleFilterError('htpasswd_bcrypt needs a non-empty list of {name, password}')
    lines = []
    for index, user in enumerate(users):
        if not isinstance(user, dict) or not isinstance(user.get('name'), string_types) or not user.get('name'):
            raise AnsibleFilterError('htpasswd_bcrypt: user %d has no name' % index)
        name = user['name']
        if ':' in name:
            raise AnsibleFilterError('htpasswd_bcrypt: user name %r contains ":", which ends the name in htpasswd' % name)
        password = user.get('password')
        if not isinstance(password, string_types) or not password:
            raise AnsibleFilterError('htpasswd_bcrypt: user %r has no password' % name)
        secret = password.encode('utf-8')
        if len(secret) > MAX_PASSWORD_BYTES:
            raise AnsibleFilterError('htpasswd_bcrypt: the password of user %r is %d bytes; bcrypt uses at most %d'
                                     % (name, len(secret), MAX_PASSWORD_BYTES))
        lines.append('%s:%s' % (name, bcrypt.hashpw(secret, _salt(key, name, cost)).decode('ascii')))
    return '\n'.join(lines) + '\n'


class FilterModule(object):
    """htpasswd filters."""

    def filters(self):
        return {'htpasswd_bcrypt': htpasswd_bcrypt}
