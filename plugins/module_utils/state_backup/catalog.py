# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups in a local directory: names, sha256 sidecars, verification and retention.

A backup is ``<cluster>-YYYYmmddTHHMMSSZ.tar.gz.vault`` with a sidecar
``<name>.sha256`` in ``sha256sum`` format, so ``sha256sum -c`` checks it too.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import tempfile

from ansible_collections.baremetal.platform.plugins.module_utils.state_backup.archive import sha256_file

SUFFIX = ".tar.gz.vault"
SIDECAR = ".sha256"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def backup_name(cluster_name, when):
    """File name of a backup of ``cluster_name`` taken at ``when`` (an aware UTC datetime)."""
    return "%s-%s%s" % (cluster_name, when.strftime(STAMP_FORMAT), SUFFIX)


def name_pattern(cluster_name):
    return re.compile(r"^%s-(\d{8})T(\d{2})(\d{2})(\d{2})Z%s$" % (re.escape(cluster_name), re.escape(SUFFIX)))


def read_sidecar(path):
    """The sha256 recorded next to ``path``, or None when the sidecar is missing or unreadable."""
    try:
        with open(path + SIDECAR, "r") as handle:
            fields = handle.read().split()
    except (IOError, OSError):
        return None
    if fields and re.match(r"^[0-9a-f]{64}$", fields[0]):
        return fields[0]
    return None


def sidecar_text(name, digest):
    return "%s  %s\n" % (digest, name)


def describe(directory, name, verify=True):
    """One catalog entry: name, path, date, size, sha256 (recorded) and valid (recorded == actual)."""
    path = os.path.join(directory, name)
    match = re.match(r"^.*-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z" + re.escape(SUFFIX) + "$", name)
    recorded = read_sidecar(path)
    entry = {
        "name": name,
        "path": path,
        "date": "%s-%s-%sT%s:%s:%sZ" % match.groups(),
        "size": os.path.getsize(path),
        "sha256": recorded,
    }
    if verify:
        entry["valid"] = recorded is not None and sha256_file(path) == recorded
    return entry


def list_backups(directory, cluster_name, verify=True):
    """Backups of ``cluster_name`` in ``directory``, oldest first (names sort by time)."""
    if not os.path.isdir(directory):
        return []
    pattern = name_pattern(cluster_name)
    names = sorted(name for name in os.listdir(directory) if pattern.match(name))
    return [describe(directory, name, verify) for name in names]


def to_prune(backups, keep):
    """The valid backups beyond the newest ``keep`` valid ones. Invalid ones are never counted nor removed."""
    valid = [entry for entry in backups if entry.get("valid")]
    return valid[:-keep] if len(valid) > keep else []


def write_atomic(path, data, mode=0o600):
    """Write ``data`` to ``path`` through a temporary file in the same directory, so a reader never sees half a file."""
    directory = os.path.dirname(path) or "."
    handle, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove(entry):
    """Delete a backup and its sidecar."""
    for path in (entry["path"], entry["path"] + SIDECAR):
        if os.path.exists(path):
            os.unlink(path)
