# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A minimal JSON merge patch (RFC 7386) from the fields a module owns to the object on the server.

Generic: nothing here knows a kind. ``desired`` holds only owned fields; ``None`` there means "must be absent".
Fields the server or an operator added (defaults, status, other managers' keys) are left alone: a desired value
matches when every key it names matches, so defaults inside list items do not cause a change on every run.
merge_patch replaces lists whole, as JSON merge patch does; merge_owned and changed_fields merge the lists named
in ``keyed`` (path -> item key, e.g. ``postgres/cluster_merge.py``'s KEYED_LISTS) item by item, so that fields
others set inside an item (and items others added) survive.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# The content type of a JSON merge patch, for the dynamic client's patch(content_type=...).
CONTENT_TYPE = 'application/merge-patch+json'


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


# Lists whose items the API server merges by a key (x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name]
# in a CRD) are given in ``keyed``: a module changes only the items it names and keeps the rest.
def by_name(item):
    """The key of a list item identified by its ``name`` (None for an item without one)."""
    return item.get('name') if isinstance(item, dict) else None


def _merge_value(current, want, path, removals, keyed):
    if want is None:
        return None
    if isinstance(want, dict):
        merged = merge_owned(current if isinstance(current, dict) else {}, want, removals, path, keyed)
        return merged if merged or isinstance(current, dict) else None
    if isinstance(want, list) and path in keyed:
        return _merge_keyed_list(current if isinstance(current, list) else [], want, path, removals, keyed)
    if matches(want, current):
        return current  # keep what the server added inside an equal value (defaults in list items)
    return prune_none(want)


def _merge_keyed_list(current, desired, path, removals, keyed):
    key = keyed[path]
    wanted = dict((key(item), item) for item in desired)
    drop = set(removals.get(path) or ())
    merged = []
    for item in current:
        name = key(item)
        if name is not None and name in wanted:
            merged.append(merge_owned(item, wanted.pop(name), removals, path + ('[]',), keyed))
        elif name is None or name not in drop:
            merged.append(item)  # somebody else's item: left exactly as it is
    present = set(key(item) for item in merged)
    merged.extend(prune_none(item) for item in desired if key(item) in wanted and key(item) not in present)
    return merged or None  # nothing left: the field goes (an empty desired list only removes the module's items)


def merge_owned(current, desired, removals=None, path=(), keyed=None):
    """The object after the module's fields are applied to what the server holds, others' fields kept.

    desired: owned fields only, None meaning "must be absent". Dicts merge key by key; lists in ``keyed`` merge
    item by item by their key (an item keeps every field the module does not own); other lists and scalars are
    replaced. removals maps a keyed list's path to the keys of items the module owned before and no longer wants.
    """
    keyed = keyed or {}
    removals = removals or {}
    merged = dict(current or {})
    for key, want in desired.items():
        value = _merge_value(merged.get(key), want, path + (key,), removals, keyed)
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def diff_patch(before, after):
    """The JSON merge patch that turns before into after (lists are sent whole, as merge patch requires)."""
    patch = {}
    for key in set(before) | set(after):
        if key not in after:
            patch[key] = None
        elif key not in before:
            patch[key] = after[key]
        elif isinstance(before[key], dict) and isinstance(after[key], dict):
            nested = diff_patch(before[key], after[key])
            if nested:
                patch[key] = nested
        elif before[key] != after[key]:
            patch[key] = after[key]
    return patch


def _label(path, item, key):
    name = key(item) if key else None
    return '%s[%s]' % (path, name) if name is not None else path


def changed_fields(before, after, path='spec', keyed=None, _parts=()):
    """Every leaf that differs between before and after: [{field, before, after}], keyed list items by key.

    A field is named like ``spec.instances[instance1].replicas`` (an item of a keyed list by its key).
    """
    keyed = keyed or {}
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found.extend(changed_fields(before.get(key), after.get(key), '%s.%s' % (path, key), keyed, _parts + (key,)))
        return found
    key = keyed.get(_parts)
    if key and isinstance(before, list) and isinstance(after, list):
        old = dict((key(item), item) for item in before)
        new = dict((key(item), item) for item in after)
        found = []
        for name in [key(item) for item in before] + [key(item) for item in after if key(item) not in old]:
            item = old.get(name) if name in old else new.get(name)
            found.extend(changed_fields(old.get(name), new.get(name), _label(path, item, key), keyed, _parts + ('[]',)))
        return found
    if before == after:
        return []
    return [{'field': path, 'before': before, 'after': after}]
