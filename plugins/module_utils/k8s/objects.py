# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Object reads any Kubernetes module needs, on top of k8s/client.py: get-or-None, polling, Warning events."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.baremetal.platform.plugins.module_utils.k8s.client import (
    API_ERRORS, api_error_message, resource,
)

try:
    from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError
except ImportError:  # pragma: no cover - require_k8s_libraries reports it first
    NotFoundError = ResourceNotFoundError = Exception

POLL_SECONDS = 2


def plain(found):
    """An API object as a dict, without the bulky metadata.managedFields."""
    found = found.to_dict()
    found.get('metadata', {}).pop('managedFields', None)
    return found


def get_or_none(module, api, name, namespace=None, what='object'):
    """The object as a dict (without managedFields), None when it does not exist; API errors fail clearly."""
    try:
        return plain(api.get(name=name, namespace=namespace))
    except NotFoundError:
        return None
    except API_ERRORS as exc:
        module.fail_json(msg='Could not read %s %s/%s: %s' % (what, namespace or '-', name, api_error_message(exc)))
    return None


def wait_until(fetch, done, timeout):
    """Poll fetch() until done(value) is true; returns (value, True) or the last value and False at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value, True
        if time.monotonic() >= deadline:
            return value, False
        time.sleep(POLL_SECONDS)


def _event_time(event):
    return (event.get('lastTimestamp') or event.get('eventTime') or (event.get('series') or {}).get('lastObservedTime')
            or (event.get('metadata') or {}).get('creationTimestamp') or '')


def warning_events(client, namespace, name, kind, limit=5):
    """The newest Warning events about one object, as 'Reason: message' lines (newest last; None when unreadable)."""
    selector = 'involvedObject.kind=%s,involvedObject.name=%s,type=Warning' % (kind, name)
    try:
        found = resource(client, 'v1', 'Event').get(namespace=namespace, field_selector=selector).to_dict()
    except API_ERRORS + (ResourceNotFoundError,):
        return None
    events = sorted(found.get('items') or [], key=lambda event: str(_event_time(event)))[-limit:]
    lines = []
    for event in events:
        count = event.get('count') or ((event.get('series') or {}).get('count'))
        times = ' (%d times)' % count if count and count > 1 else ''
        lines.append('%s: %s%s' % (event.get('reason'), (event.get('message') or '').strip(), times))
    return lines


def explain_with_events(client, namespace, name, kind):
    """A sentence quoting the object's recent Warning events, for the message of a failed wait."""
    lines = warning_events(client, namespace, name, kind)
    if lines is None:
        return ' (The Events of %s %s/%s could not be read.)' % (kind, namespace, name)
    if not lines:
        return (' %s %s/%s has no Warning events (if the operator runs, it has not complained; else check that its '
                'Deployment is up).' % (kind, namespace, name))
    return ' Recent Warning events of %s %s/%s: %s.' % (kind, namespace, name, '; '.join(lines))
