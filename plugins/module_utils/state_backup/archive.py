# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plaintext inside a cluster-state backup: a tar.gz of the state files plus MANIFEST.json.

MANIFEST.json lists every file with its sha256, size and mode, so a restore can
prove each file came back byte-identical before it is written.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import io
import json
import tarfile

MANIFEST = "MANIFEST.json"
FORMAT_VERSION = 1


class ArchiveError(Exception):
    """The archive is not a cluster-state backup or its content does not match its manifest."""


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe(files):
    """Manifest entries for ``files`` ({name: {"data": bytes, "mode": int}}): name -> sha256, size, mode."""
    return dict(
        (name, {"sha256": sha256_bytes(item["data"]), "size": len(item["data"]), "mode": item["mode"]})
        for name, item in files.items()
    )


def build(files, cluster_name, created, source_mtime):
    """Return tar.gz bytes holding ``files`` and a MANIFEST.json that describes them."""
    manifest = {
        "format": FORMAT_VERSION,
        "cluster_name": cluster_name,
        "created": created,
        "source_mtime": source_mtime,
        "files": describe(files),
    }
    members = [(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8"), 0o600)]
    members += [(name, files[name]["data"], files[name]["mode"]) for name in sorted(files)]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data, mode in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            info.mtime = int(source_mtime)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def read(data):
    """Return (manifest, {name: bytes}) from tar.gz bytes; raise ArchiveError unless every file matches the manifest."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            contents = {}
            for member in tar.getmembers():
                # Only plain files with plain names: never trust paths from an archive.
                if not member.isfile() or "/" in member.name or member.name.startswith("."):
                    raise ArchiveError("unexpected member %r in the archive" % member.name)
                contents[member.name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError("not a readable tar.gz archive (%s)" % exc)
    try:
        manifest = json.loads(contents.pop(MANIFEST).decode("utf-8"))
    except (KeyError, ValueError) as exc:
        raise ArchiveError("the archive has no readable %s (%s)" % (MANIFEST, exc))
    listed = manifest.get("files", {})
    if sorted(listed) != sorted(contents):
        raise ArchiveError("the archive holds %s but its manifest lists %s" % (sorted(contents), sorted(listed)))
    for name, data in contents.items():
        if sha256_bytes(data) != listed[name]["sha256"]:
            raise ArchiveError("%s does not match the sha256 in the manifest" % name)
    return manifest, contents
