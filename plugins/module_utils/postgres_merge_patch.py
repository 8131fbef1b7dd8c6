# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal JSON merge patch (RFC 7386) from the fields a module owns to the object on the server.

``desired`` holds only owned fields; ``None`` there means "must be absent". Fields the server or operator
added (defaults, status, other managers' keys) are left alone: a desired value matches when every key it
names matches, so defaults inside list items do not cause a change on every run. Lists are replaced whole,
as JSON merge patch always does.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def prune_none(value):
    """The value without the keys whose value is None (what is sent when a field is written whole)."""
    if isinstance(value, dict):
        return dict((key, prune_none(item)) for key, item in value.items() if item is not None)
    if isinstance(value, list):
        return [prune_none(item) for item in value]
    return value


def matches(desired, current):
    """True when current already satisfies desired (extra keys in current are ignored)."""
    if desired is None:
        return current is None
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(matches(value, current.get(key)) for key, value in desired.items())
    if isinstance(desired, list):
        return (isinstance(current, list) and len(desired) == len(current)
                and all(matches(want, have) for want, have in zip(desired, current)))
    return desired == current


def merge_patch(desired, current):
    """The smallest merge patch that makes current satisfy desired ({} when nothing is to change)."""
    current = current if isinstance(current, dict) else {}
    patch = {}
    for key, want in desired.items():
        have = current.get(key)
        if want is None:
            if key in current:
                patch[key] = None
        elif isinstance(want, dict) and isinstance(have, dict):
            nested = merge_patch(want, have)
            if nested:
                patch[key] = nested
        elif not matches(want, have):
            patch[key] = prune_none(want)
    return patch


def owned_view(current, desired):
    """current reduced to the keys desired names (for a readable diff 'before' of owned fields only)."""
    if isinstance(current, list) and isinstance(desired, list):
        return [owned_view(have, want) for have, want in zip(current, desired)] + current[len(desired):]
    if not isinstance(current, dict) or not isinstance(desired, dict):
        return current
    view = {}
    for key, want in desired.items():
        if key in current:
            view[key] = owned_view(current[key], want)
    return view


def apply_patch(current, patch):
    """current with a merge patch applied (what the API server will hold afterwards)."""
    merged = dict(current or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = apply_patch(merged[key], value)
        else:
            merged[key] = value
    return merged
