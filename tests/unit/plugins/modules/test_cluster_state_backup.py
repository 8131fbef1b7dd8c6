"""cluster_state_backup: real files, real encryption, the module run as Ansible runs it (a subprocess reading its arguments)."""
import binascii
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import time

import pytest

from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.baremetal.platform.plugins.module_utils.state_backup import vault_format
from tests import helpers

MODULE = "cluster_state_backup"
INFO_MODULE = "cluster_state_backup_info"
PASSPHRASE = "correct-horse-battery-staple-42"


def run_module(check=False, diff=False, module=MODULE, **args):
    """Run the module like Ansible does and return its JSON result; the passphrase never appears in its output."""
    return helpers.run_module(module, args, check=check, diff=diff, secrets=(PASSPHRASE,))


def write_state(directory, generation=1):
    directory.mkdir(exist_ok=True)
    (directory / "cluster.yml").write_text("nodes:\n  - address: 10.0.0.%d\n    role: [controlplane, etcd, worker]\n" % generation)
    (directory / "cluster.rkestate").write_text(json.dumps({"currentState": {"certificatesBundle": {"kube-ca": "CERT-%d" % generation}}}))
    (directory / "kube_config_cluster.yml").write_text("apiVersion: v1\nkind: Config\nclusters: []\n# gen %d\n" % generation)
    os.chmod(directory / "cluster.rkestate", 0o600)


def wait_next_second():
    """Backups are named to the second: let the clock move on before the next one."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.05)


@pytest.fixture(name="cluster")
def fixture_cluster(tmp_path):
    src = tmp_path / "src"
    write_state(src)
    return {"src_dir": str(src), "dest": str(tmp_path / "backups"), "passphrase": PASSPHRASE, "cluster_name": "lab"}


def flip_ciphertext_bit(vaulttext):
    """A well-formed vault file whose ciphertext differs from ``vaulttext`` in one bit."""
    lines = vaulttext.splitlines()
    salt, digest, ciphertext = binascii.unhexlify(b"".join(lines[1:])).split(b"\n", 2)
    raw = bytearray(binascii.unhexlify(ciphertext))
    raw[-1] ^= 1
    body = binascii.hexlify(b"\n".join([salt, digest, binascii.hexlify(bytes(raw))]))
    return b"\n".join([lines[0]] + [body[i:i + 80] for i in range(0, len(body), 80)] + [b""])


def files_of(directory):
    return dict((name, (directory / name).read_bytes()) for name in ("cluster.yml", "cluster.rkestate", "kube_config_cluster.yml"))


def test_vault_format_opens_with_ansible_vaultlib():
    vaulttext = vault_format.encrypt(b"\x00binary\xffdata", PASSPHRASE.encode())
    assert vaulttext.startswith(b"$ANSIBLE_VAULT;1.1;AES256\n")
    lib = VaultLib([("default", VaultSecret(PASSPHRASE.encode()))])
    assert lib.decrypt(vaulttext) == b"\x00binary\xffdata"


def test_vault_format_reads_ansible_vaultlib_output():
    lib = VaultLib([("default", VaultSecret(PASSPHRASE.encode()))])
    vaulttext = lib.encrypt(b"written by ansible")
    assert vault_format.decrypt(vaulttext, PASSPHRASE.encode()) == b"written by ansible"
    with pytest.raises(vault_format.VaultError, match="HMAC"):
        vault_format.decrypt(vaulttext, b"wrong passphrase")


def test_backup_round_trip_is_byte_identical(tmp_path, cluster):
    result = run_module(**cluster)
    assert result["changed"] is True, result
    backup = result["backup"]
    assert os.path.basename(backup).startswith("lab-") and backup.endswith(".tar.gz.vault")
    assert hashlib.sha256(open(backup, "rb").read()).hexdigest() == result["sha256"]
    assert subprocess.run(["sha256sum", "-c", os.path.basename(backup) + ".sha256"], cwd=cluster["dest"], check=False).returncode == 0
    assert oct(os.stat(backup).st_mode & 0o777) == "0o600"

    restored_dir = tmp_path / "restored"
    result = run_module(**dict(cluster, state="restored", src_dir=str(restored_dir)))
    assert result["changed"] is True and sorted(result["restored"]) == ["cluster.rkestate", "cluster.yml", "kube_config_cluster.yml"]
    assert files_of(restored_dir) == files_of(tmp_path / "src")
    assert oct(os.stat(restored_dir / "cluster.rkestate").st_mode & 0o777) == "0o600"
    again = run_module(**dict(cluster, state="restored", src_dir=str(restored_dir)))
    assert again["changed"] is False and again["restored"] == []


def test_archive_opens_with_ansible_vault_cli(tmp_path, cluster):
    backup = run_module(**cluster)["backup"]
    password_file = tmp_path / "vault-pass"
    password_file.write_text(PASSPHRASE + "\n")
    plain = tmp_path / "plain.tar.gz"
    cli = os.path.join(os.path.dirname(sys.executable), "ansible-vault")
    subprocess.run([cli, "decrypt", "--vault-password-file", str(password_file), "--output", str(plain), backup], check=True)
    with tarfile.open(plain) as tar:
        assert sorted(tar.getnames()) == ["MANIFEST.json", "cluster.rkestate", "cluster.yml", "kube_config_cluster.yml"]
        assert tar.extractfile("cluster.rkestate").read() == (tmp_path / "src" / "cluster.rkestate").read_bytes()


def test_identical_state_is_not_backed_up_twice(tmp_path, cluster):
    first = run_module(**cluster)
    wait_next_second()
    second = run_module(**cluster)
    assert second["changed"] is False
    assert second["backup"] == first["backup"]
    assert len(os.listdir(cluster["dest"])) == 2  # one archive + its sidecar


def test_check_mode_writes_nothing_and_diff_names_the_backup(tmp_path, cluster):
    result = run_module(check=True, diff=True, **cluster)
    assert result["changed"] is True
    assert not os.path.exists(cluster["dest"])
    assert os.path.basename(result["backup"]) in result["diff"]["after"]
    assert result["diff"]["before"] == ""


def test_tampered_archive_is_refused(tmp_path, cluster):
    backup = run_module(**cluster)["backup"]
    original = open(backup, "rb").read()
    data = bytearray(original)
    data[200] = ord("0") if data[200] != ord("0") else ord("1")
    with open(backup, "wb") as handle:
        handle.write(bytes(data))
    target = tmp_path / "restore-target"
    result = run_module(**dict(cluster, state="restored", src_dir=str(target), backup_name=os.path.basename(backup)))
    assert result.get("failed") is True and "does not match its recorded sha256" in result["msg"]
    assert not target.exists()

    # Someone who alters the ciphertext well-formed and rewrites the sidecar still cannot get past the vault HMAC.
    forged = flip_ciphertext_bit(original)
    with open(backup, "wb") as handle:
        handle.write(forged)
    with open(backup + ".sha256", "w") as handle:
        handle.write("%s  %s\n" % (hashlib.sha256(forged).hexdigest(), os.path.basename(backup)))
    result = run_module(**dict(cluster, state="restored", src_dir=str(target)))
    assert result.get("failed") is True and "HMAC verification failed" in result["msg"], result
    assert not target.exists()


def test_wrong_passphrase_is_refused(tmp_path, cluster):
    run_module(**cluster)
    result = run_module(**dict(cluster, state="restored", src_dir=str(tmp_path / "t"), passphrase="not-the-passphrase"))
    assert result.get("failed") is True and "Check the passphrase" in result["msg"]


def test_retention_keeps_exactly_n(tmp_path, cluster):
    names = []
    for generation in range(1, 5):
        write_state(tmp_path / "src", generation)
        wait_next_second()
        result = run_module(keep=2, **cluster)
        assert result["changed"] is True
        names.append(os.path.basename(result["backup"]))
    kept = sorted(name for name in os.listdir(cluster["dest"]) if name.endswith(".vault"))
    assert kept == names[-2:]
    assert sorted(os.listdir(cluster["dest"])) == sorted(kept + [name + ".sha256" for name in kept])
    assert result["removed"] == [names[1]]
    listing = run_module(module=INFO_MODULE, dest=cluster["dest"], cluster_name="lab")
    assert [entry["name"] for entry in listing["backups"]] == names[-2:]
    assert listing["changed"] is False and listing["newest"] == os.path.join(cluster["dest"], names[-1])
    assert all(entry["valid"] and len(entry["sha256"]) == 64 and entry["date"].endswith("Z") for entry in listing["backups"])


def test_corrupt_source_is_refused_and_nothing_written(tmp_path, cluster):
    (tmp_path / "src" / "cluster.rkestate").write_text('{"currentState": ')
    result = run_module(**cluster)
    assert result.get("failed") is True and "cluster.rkestate does not parse" in result["msg"]
    assert not os.path.exists(cluster["dest"])


def test_missing_source_is_refused(tmp_path, cluster):
    os.unlink(tmp_path / "src" / "kube_config_cluster.yml")
    result = run_module(**cluster)
    assert result.get("failed") is True and "kube_config_cluster.yml is missing" in result["msg"]


def test_older_state_does_not_become_the_newest_backup(tmp_path, cluster):
    first = run_module(**cluster)
    write_state(tmp_path / "src", 2)
    past = time.time() - 3600
    for name in ("cluster.yml", "cluster.rkestate", "kube_config_cluster.yml"):
        os.utime(tmp_path / "src" / name, (past, past))
    wait_next_second()
    refused = run_module(**cluster)
    assert refused.get("failed") is True and "older than those in the newest backup" in refused["msg"]
    assert sorted(os.listdir(cluster["dest"])) == sorted([os.path.basename(first["backup"]), os.path.basename(first["backup"]) + ".sha256"])
    forced = run_module(force=True, **cluster)
    assert forced["changed"] is True and forced["backup"] != first["backup"]


def test_restore_skips_a_damaged_newest_backup(tmp_path, cluster):
    good = run_module(**cluster)
    write_state(tmp_path / "src", 2)
    wait_next_second()
    bad = run_module(**cluster)
    with open(bad["backup"], "ab") as handle:
        handle.write(b"garbage")
    target = tmp_path / "t"
    result = run_module(**dict(cluster, state="restored", src_dir=str(target)))
    assert result["backup"] == good["backup"]
    # ansible-core 2.19 returns warnings as structured summaries: look in their text.
    assert "do not match their sha256" in json.dumps(result.get("warnings", []))
    assert (target / "cluster.yml").read_text().startswith("nodes:\n  - address: 10.0.0.1\n")


def test_invalid_inputs_fail_before_touching_anything(tmp_path, cluster):
    for bad, message in ((dict(keep=0), "keep must be 1 or more"),
                         (dict(cluster_name="a/b"), "not usable in a file name"),
                         (dict(passphrase=" padded"), "white space"),
                         (dict(files=["../etc/passwd"]), "plain file name")):
        result = run_module(**dict(cluster, **bad))
        assert result.get("failed") is True and message in result["msg"], result
    assert not os.path.exists(cluster["dest"])


def test_old_module_names_still_work_through_the_redirect(tmp_path, cluster):
    """Playbooks that call rkestate_backup / rkestate_backup_info keep working (meta/runtime.yml), with a warning."""
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"backup_passphrase": PASSPHRASE}))
    args = dict(cluster, passphrase="{{ backup_passphrase }}")
    playbook = helpers.write_playbook(tmp_path / "old-names.json", [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "old name", "baremetal.platform.rkestate_backup": args, "register": "taken"},
        {"name": "old info name", "baremetal.platform.rkestate_backup_info": {"dest": cluster["dest"], "cluster_name": "lab"},
         "register": "listed"},
        {"name": "same backup", "ansible.builtin.assert": {"that": [
            "taken is changed", "listed.backups | length == 1", "listed.backups[0].path == taken.backup"]}},
    ]}])
    proc = helpers.run_playbook(playbook, "-e", "@%s" % secrets)
    output = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 0, output
    assert PASSPHRASE not in output
    assert "Use baremetal.platform.cluster_state_backup, the same module" in output, output
    assert "Use baremetal.platform.cluster_state_backup_info, the same module" in output, output
