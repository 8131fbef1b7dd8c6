#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_state_backup
short_description: Encrypted, checksummed, rotated backups of Kubernetes cluster state files (RKE and RKE2)
version_added: "0.1.0"
description:
  - Stores a set of cluster state files (by default RKE's C(cluster.yml), C(cluster.rkestate) and
    C(kube_config_cluster.yml); for RKE2 the role rke2 gives its token, C(config.yaml) and newest etcd snapshot)
    as one timestamped archive C(<cluster_name>-YYYYmmddTHHMMSSZ.tar.gz.vault)
    with a C(sha256sum) sidecar C(<name>.sha256) in a local directory, and optionally in S3-compatible storage.
  - The archive is a tar.gz encrypted in the ansible-vault 1.1 AES256 format, so
    C(ansible-vault decrypt --vault-password-file FILE --output backup.tar.gz NAME.tar.gz.vault) opens it without this module.
  - Never replaces the newest good backup with an identical, an older or a corrupt one. Source files are
    checked before anything is written (present, non-empty, C(.rkestate) and C(.json) files parse as JSON,
    C(.yml) and C(.yaml) files parse as YAML when PyYAML is installed); the new archive is read back,
    decrypted and compared with the sources before its sidecar is written; only then are old backups rotated.
  - I(state=restored) restores the newest valid (or a named) backup into I(src_dir) after checking
    its sha256, its vault HMAC and every file's sha256 in the archive manifest. A tampered archive is refused.
  - M(baremetal.platform.cluster_state_backup_info) lists the backups with dates, sizes and sha256.
  - "Run it where the files are; for RKE that is the controller (C(delegate_to: localhost))."
author:
  - baremetal.platform maintainers (@baremetal-platform)
options:
  state:
    description:
      - C(present) takes a backup when the files differ from the newest valid backup, then keeps the newest I(keep).
      - C(restored) writes the files of the newest valid backup (or I(backup_name)) into I(src_dir).
    type: str
    choices: [present, restored]
    default: present
  src_dir:
    required: true
    description:
      - Directory that holds the state files. Read for I(state=present), written for I(state=restored)
        (created with mode 0700 when missing).
    type: path
  files:
    description:
      - Names of the files in I(src_dir) that make up the cluster state. Plain names, no directories.
      - Every one must exist for I(state=present).
    type: list
    elements: str
    default: [cluster.yml, cluster.rkestate, kube_config_cluster.yml]
  dest:
    description:
      - Local directory for the backups; created with mode 0700 when missing.
    type: path
    required: true
  cluster_name:
    description:
      - First part of every backup name; backups of other names in I(dest) are ignored.
    type: str
    default: cluster
  passphrase:
    required: true
    description:
      - Vault passphrase that encrypts the archive. Take it from a vault variable. Never logged.
      - Must not start or end with white space, because ansible-vault strips it from password files.
    type: str
  keep:
    description:
      - How many valid backups to keep; older valid ones are deleted after a new backup is verified.
      - Backups whose sha256 no longer matches are reported and left in place for inspection; they do not count.
    type: int
    default: 10
  backup_name:
    description:
      - With I(state=restored), the file name of the backup to restore instead of the newest valid one.
    type: str
  force:
    description:
      - With I(state=present), take the backup even when the source files are older than the files in the
        newest backup (for example after restoring an old state on purpose).
    type: bool
    default: false
  s3_bucket:
    description:
      - Also upload each backup and its sidecar to this bucket, and keep the newest I(keep) there.
      - Needs the C(boto3) Python library where the module runs.
    type: str
  s3_prefix:
    description:
      - Key prefix in I(s3_bucket), for example C(clusters/prod/).
    type: str
    default: ""
  s3_endpoint_url:
    description:
      - Endpoint of an S3-compatible store (MinIO, Ceph RGW, ...). Leave unset for AWS S3.
    type: str
  s3_region:
    description:
      - Region of the bucket.
    type: str
  s3_access_key:
    description:
      - Access key; when unset boto3 uses its usual sources (environment, profile, instance role).
    type: str
  s3_secret_key:
    description:
      - Secret key; never logged.
    type: str
  s3_validate_certs:
    description:
      - Verify the TLS certificate of the S3 endpoint.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: Reports the backup that would be written, the backups that would be rotated and the files that would be restored.
  diff_mode:
    support: full
    description: Shows backup names before and after, or the restored file names with their sha256. Never file contents.
requirements:
  - cryptography
  - PyYAML (optional, to check YAML sources)
  - boto3 (only with I(s3_bucket))
notes:
  - The vault format hex-encodes the ciphertext twice, so an archive is about four times the size of the compressed files.
"""

EXAMPLES = r"""
- name: Back up the RKE state after rke up
  baremetal.platform.cluster_state_backup:
    state: present
    src_dir: "{{ rke1_config_dir }}"
    dest: "{{ rke1_backup_dest }}"
    cluster_name: prod
    passphrase: "{{ vault_rkestate_backup_passphrase }}"
    keep: 14
  delegate_to: localhost

- name: Back up RKE2 state files fetched to the controller, and copy them to MinIO
  baremetal.platform.cluster_state_backup:
    src_dir: /srv/backups/staging
    files: [token, config.yaml, etcd-snapshot.db]
    dest: /srv/backups/rke2
    cluster_name: prod-rke2
    passphrase: "{{ vault_rkestate_backup_passphrase }}"
    s3_bucket: cluster-state
    s3_prefix: prod/
    s3_endpoint_url: https://minio.example.com:9000
    s3_access_key: "{{ vault_s3_access_key }}"
    s3_secret_key: "{{ vault_s3_secret_key }}"
  delegate_to: localhost

- name: Restore the newest backup
  baremetal.platform.cluster_state_backup:
    state: restored
    src_dir: "{{ rke1_config_dir }}"
    dest: "{{ rke1_backup_dest }}"
    cluster_name: prod
    passphrase: "{{ vault_rkestate_backup_passphrase }}"
  delegate_to: localhost
"""

RETURN = r"""
backup:
  description: Path of the backup written (present), the newest valid one when nothing changed, or the one restored.
  returned: success
  type: str
  sample: /srv/backups/prod-20261123T231500Z.tar.gz.vault
sha256:
  description: sha256 of the encrypted archive in I(backup) (what its sidecar records). Null in check mode for a new backup.
  returned: success
  type: str
  sample: 3f4a1c0d9e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a10
backups:
  description: The backups of I(cluster_name) in I(dest) after the run, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: File name.
      type: str
    path:
      description: Full path.
      type: str
    date:
      description: When it was taken (UTC, ISO 8601).
      type: str
    size:
      description: Size of the encrypted archive in bytes.
      type: int
    sha256:
      description: sha256 recorded in the sidecar, null when the sidecar is missing.
      type: str
    valid:
      description: Whether the archive still matches its recorded sha256.
      type: bool
removed:
  description: Names of the backups deleted (or that would be deleted) by retention.
  returned: always
  type: list
  elements: str
restored:
  description: Names of the files written (or that would be written) into I(src_dir) by I(state=restored).
  returned: when I(state=restored)
  type: list
  elements: str
s3_uploaded:
  description: Object names uploaded to I(s3_bucket).
  returned: when I(s3_bucket) is set
  type: list
  elements: str
s3_removed:
  description: Object names deleted from I(s3_bucket) by retention.
  returned: when I(s3_bucket) is set
  type: list
  elements: str
"""

import datetime
import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible_collections.baremetal.platform.plugins.module_utils.state_backup import catalog
from ansible_collections.baremetal.platform.plugins.module_utils.state_backup import archive
from ansible_collections.baremetal.platform.plugins.module_utils.state_backup import vault_format as vault
from ansible_collections.baremetal.platform.plugins.module_utils.state_backup.s3 import BOTO3_IMPORT_ERROR, HAS_BOTO3, S3_ERRORS, S3Store

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False


def fail(module, msg, **extra):
    module.fail_json(msg=msg, **extra)


def validate(module):
    params = module.params
    if not catalog.CLUSTER_NAME.match(params["cluster_name"]):
        fail(module, "cluster_name %r is not usable in a file name; use letters, digits, '.', '_' and '-'" % params["cluster_name"])
    if params["keep"] < 1:
        fail(module, "keep must be 1 or more (it is %d): the newest backup is never deleted" % params["keep"])
    if not params["passphrase"]:
        fail(module, "passphrase is empty; set it from a vault variable (vault_rkestate_backup_passphrase)")
    if params["passphrase"] != params["passphrase"].strip():
        fail(module, "passphrase starts or ends with white space; ansible-vault strips it from password files, "
                     "so the archive could not be opened there. Remove the white space from the vault variable")
    for name in params["files"]:
        if not name or "/" in name or name.startswith(".") or name == archive.MANIFEST:
            fail(module, "files entry %r must be a plain file name inside src_dir (no '/', not hidden, not %s)" % (name, archive.MANIFEST))
    if not params["files"]:
        fail(module, "files is empty; list the state files to back up (names inside src_dir)")
    if len(set(params["files"])) != len(params["files"]):
        fail(module, "files lists a name twice: %s" % params["files"])
    if params["s3_bucket"] and not HAS_BOTO3:
        fail(module, missing_required_lib("boto3", reason="for s3_bucket"), exception=str(BOTO3_IMPORT_ERROR))


def check_source(name, data):
    """Why this source file looks corrupt, or None."""
    if not data.strip():
        return "is empty"
    try:
        if name.endswith((".rkestate", ".json")):
            json.loads(data.decode("utf-8"))
        elif name.endswith((".yml", ".yaml")) and HAS_YAML:
            yaml.safe_load(data)
    except (ValueError, yaml.YAMLError if HAS_YAML else ValueError) as exc:
        return "does not parse (%s)" % str(exc).splitlines()[0]
    return None


def read_sources(module):
    src_dir = module.params["src_dir"]
    if not os.path.isdir(src_dir):
        fail(module, "src_dir %s is not a directory; point it at the directory that holds %s" % (src_dir, ", ".join(module.params["files"])))
    files, mtime = {}, 0
    for name in module.params["files"]:
        path = os.path.join(src_dir, name)
        if not os.path.isfile(path):
            fail(module, "%s is missing; a backup needs every file in files (%s). Nothing was written"
                 % (path, ", ".join(module.params["files"])))
        with open(path, "rb") as handle:
            data = handle.read()
        problem = check_source(name, data)
        if problem:
            fail(module, "%s %s; refusing to back up a corrupt state file. Nothing was written" % (path, problem))
        status = os.stat(path)
        files[name] = {"data": data, "mode": status.st_mode & 0o777}
        mtime = max(mtime, int(status.st_mtime))
    return files, mtime


def open_backup(module, entry):
    """(manifest, contents) of a backup; fails the module when it cannot be trusted."""
    if not entry["valid"]:
        fail(module, "%s does not match its recorded sha256 (%s); it was altered or damaged and is not used. "
                     "Restore another backup with backup_name" % (entry["path"], entry["sha256"] or "sidecar missing"))
    with open(entry["path"], "rb") as handle:
        data = handle.read()
    try:
        return archive.read(vault.decrypt(data, to_bytes(module.params["passphrase"])))
    except (vault.VaultError, archive.ArchiveError) as exc:
        fail(module, "%s cannot be trusted: %s. Check the passphrase (vault variable) or restore another backup with backup_name"
             % (entry["path"], exc))


def to_bytes(text):
    return text.encode("utf-8")


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def names_text(entries):
    return "".join("%s\n" % entry["name"] for entry in entries)


def ensure_dir(module, path):
    if not os.path.isdir(path) and not module.check_mode:
        os.makedirs(path, 0o700)


def compare_with_newest(module, files, mtime, newest):
    """True when the sources equal the newest valid backup; fails when they are older than it."""
    if newest is None:
        return False
    with open(newest["path"], "rb") as handle:
        data = handle.read()
    try:
        manifest, dummy = archive.read(vault.decrypt(data, to_bytes(module.params["passphrase"])))
    except (vault.VaultError, archive.ArchiveError) as exc:
        module.warn("The newest backup %s could not be opened (%s); a new one is written and the old one is kept." % (newest["name"], exc))
        return False
    if manifest["files"] == archive.describe(files):
        return True
    if mtime < manifest.get("source_mtime", 0) and not module.params["force"]:
        fail(module, "The files in %s are older than those in the newest backup %s and differ from them; refusing to make "
                     "an older state the newest backup. If this older state is really wanted, set force: true"
             % (module.params["src_dir"], newest["name"]))
    return False


def write_backup(module, files, mtime, when):
    dest = module.params["dest"]
    name = catalog.backup_name(module.params["cluster_name"], when)
    path = os.path.join(dest, name)
    passphrase = to_bytes(module.params["passphrase"])
    created = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    encrypted = vault.encrypt(archive.build(files, module.params["cluster_name"], created, mtime), passphrase)
    catalog.write_atomic(path, encrypted)
    # Read back what is on disk before recording its sha256: a backup that does not open is not a backup.
    with open(path, "rb") as handle:
        written = handle.read()
    try:
        manifest, dummy = archive.read(vault.decrypt(written, passphrase))
    except (vault.VaultError, archive.ArchiveError) as exc:
        os.unlink(path)
        fail(module, "The backup written to %s did not read back (%s); it was removed and the older backups are untouched. "
                     "Check the disk under %s" % (path, exc, dest))
    if manifest["files"] != archive.describe(files):
        os.unlink(path)
        fail(module, "The backup written to %s does not match the sources; it was removed. Check the disk under %s" % (path, dest))
    catalog.write_atomic(path + catalog.SIDECAR, catalog.sidecar_text(name, archive.sha256_bytes(written)).encode("ascii"), 0o600)
    return name


def s3_store(module):
    params = module.params
    return S3Store(params["s3_bucket"], params["s3_prefix"], params["s3_endpoint_url"], params["s3_region"],
                   params["s3_access_key"], params["s3_secret_key"], params["s3_validate_certs"])


def sync_s3(module, backups, result):
    """Upload the valid local backups among the newest ``keep`` that S3 lacks, then keep the newest ``keep`` there."""
    params = module.params
    wanted = [entry for entry in backups if entry["valid"]][-params["keep"]:]
    try:
        store = s3_store(module)
        present = set(store.names())
        pattern = catalog.name_pattern(params["cluster_name"])
        uploads = [entry for entry in wanted if entry["name"] not in present or entry["name"] + catalog.SIDECAR not in present]
        remote = sorted(set(name for name in present if pattern.match(name)) | set(entry["name"] for entry in uploads))
        removals = remote[:-params["keep"]] if len(remote) > params["keep"] else []
        result["s3_uploaded"] = [entry["name"] for entry in uploads]
        result["s3_removed"] = removals
        if uploads or removals:
            result["changed"] = True
        if module.check_mode:
            return
        for entry in uploads:
            store.upload(entry["path"], entry["name"])
            store.upload(entry["path"] + catalog.SIDECAR, entry["name"] + catalog.SIDECAR)
        for name in removals:
            store.delete(name)
            store.delete(name + catalog.SIDECAR)
    except S3_ERRORS as exc:
        fail(module, "S3 upload to bucket %s failed: %s. The local backup in %s is complete; check s3_endpoint_url, "
                     "the credentials and the bucket" % (params["s3_bucket"], exc, params["dest"]), **result)


def run_present(module, result):
    params = module.params
    files, mtime = read_sources(module)
    backups = catalog.list_backups(params["dest"], params["cluster_name"])
    initial = backups
    valid = [entry for entry in backups if entry["valid"]]
    newest = valid[-1] if valid else None
    for entry in backups:
        if not entry["valid"]:
            module.warn("Backup %s does not match its recorded sha256; it is ignored and kept for inspection." % entry["name"])
    if compare_with_newest(module, files, mtime, newest):
        result.update(backup=newest["path"], sha256=newest["sha256"], backups=backups)
    else:
        when = now_utc()
        name = catalog.backup_name(params["cluster_name"], when)
        if backups and name <= backups[-1]["name"]:
            fail(module, "The newest backup %s is not older than now (%s): the clock went backwards or two backups ran within "
                         "one second. Check the controller clock and run again" % (backups[-1]["name"], when.isoformat()))
        result["changed"] = True
        result["backup"] = os.path.join(params["dest"], name)
        if not module.check_mode:
            ensure_dir(module, params["dest"])
            write_backup(module, files, mtime, when)
            backups = catalog.list_backups(params["dest"], params["cluster_name"])
            result["sha256"] = backups[-1]["sha256"]
        else:
            result["sha256"] = None
            backups = backups + [{"name": name, "path": result["backup"], "date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                  "size": 0, "sha256": None, "valid": True}]
    pruned = catalog.to_prune(backups, params["keep"])
    result["removed"] = [entry["name"] for entry in pruned]
    if pruned:
        result["changed"] = True
        if not module.check_mode:
            for entry in pruned:
                catalog.remove(entry)
    result["backups"] = [entry for entry in backups if entry["name"] not in result["removed"]]
    if params["s3_bucket"]:
        sync_s3(module, result["backups"], result)
    if module._diff:
        result["diff"] = {
            "before_header": params["dest"],
            "after_header": params["dest"],
            "before": names_text(initial),
            "after": names_text(result["backups"]),
        }


def run_restored(module, result):
    params = module.params
    backups = catalog.list_backups(params["dest"], params["cluster_name"])
    result["backups"] = backups
    if params["backup_name"]:
        chosen = [entry for entry in backups if entry["name"] == params["backup_name"]]
        if not chosen:
            fail(module, "No backup named %s in %s; baremetal.platform.cluster_state_backup_info lists the available ones"
                 % (params["backup_name"], params["dest"]))
        entry = chosen[0]
    else:
        valid = [item for item in backups if item["valid"]]
        if not valid:
            fail(module, "No valid backup of %s in %s to restore; baremetal.platform.cluster_state_backup_info lists what is there"
                 % (params["cluster_name"], params["dest"]))
        entry = valid[-1]
        if entry is not backups[-1]:
            module.warn("Newer backups than %s do not match their sha256 and were skipped." % entry["name"])
    manifest, contents = open_backup(module, entry)
    result.update(backup=entry["path"], sha256=entry["sha256"])
    src_dir = params["src_dir"]
    before, changed = {}, []
    for name in sorted(contents):
        path = os.path.join(src_dir, name)
        before[name] = archive.sha256_file(path) if os.path.isfile(path) else None
        if before[name] != manifest["files"][name]["sha256"]:
            changed.append(name)
    result["restored"] = changed
    result["changed"] = bool(changed)
    if changed and not module.check_mode:
        ensure_dir(module, src_dir)
        for name in changed:
            catalog.write_atomic(os.path.join(src_dir, name), contents[name], manifest["files"][name]["mode"] or 0o600)
    if module._diff:
        result["diff"] = {
            "before_header": src_dir,
            "after_header": entry["name"],
            "before": "".join("%s %s\n" % (name, before[name] or "(absent)") for name in sorted(before)),
            "after": "".join("%s %s\n" % (name, manifest["files"][name]["sha256"]) for name in sorted(before)),
        }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", choices=["present", "restored"], default="present"),
            src_dir=dict(type="path", required=True),
            files=dict(type="list", elements="str", default=["cluster.yml", "cluster.rkestate", "kube_config_cluster.yml"]),
            dest=dict(type="path", required=True),
            cluster_name=dict(type="str", default="cluster"),
            passphrase=dict(type="str", no_log=True, required=True),
            keep=dict(type="int", default=10),
            backup_name=dict(type="str"),
            force=dict(type="bool", default=False),
            s3_bucket=dict(type="str"),
            s3_prefix=dict(type="str", default=""),
            s3_endpoint_url=dict(type="str"),
            s3_region=dict(type="str"),
            s3_access_key=dict(type="str", no_log=True),
            s3_secret_key=dict(type="str", no_log=True),
            s3_validate_certs=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if not vault.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=str(vault.CRYPTOGRAPHY_IMPORT_ERROR))
    validate(module)
    result = {"changed": False, "removed": []}
    runners = {"present": run_present, "restored": run_restored}
    try:
        runners[module.params["state"]](module, result)
    except (IOError, OSError) as exc:
        module.fail_json(msg="File system error: %s. Check the permissions and free space of src_dir and dest" % exc,
                         exception=traceback.format_exc(), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
