"""cluster_state_backup through ansible-playbook at -vvv: round trip, tamper refusal, retention, and no secret in the output."""
import hashlib
import json
import os
import shutil

import pytest

from tests import helpers

PASSPHRASE = "integration-SECRET-passphrase-7f3a"
STATE_FILES = ("cluster.yml", "cluster.rkestate", "kube_config_cluster.yml")


def run_playbook(tmp_path, tasks, name="play"):
    """Run ``tasks`` on localhost at -vvv with the passphrase in a vars file; return (returncode, output)."""
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"backup_passphrase": PASSPHRASE}))
    playbook = helpers.write_playbook(tmp_path / ("%s.yml" % name),
                                      [{"name": "cluster_state_backup", "hosts": "localhost", "gather_facts": False, "tasks": tasks}])
    proc = helpers.run_playbook(playbook, "-vvv", "-e", "@%s" % secrets)
    return proc.returncode, proc.stdout + proc.stderr


def backup_task(src, dest, **extra):
    args = dict({"src_dir": str(src), "dest": str(dest), "cluster_name": "it", "passphrase": "{{ backup_passphrase }}", "keep": 2}, **extra)
    return {"name": "cluster_state_backup %s" % args.get("state", "present"), "baremetal.platform.cluster_state_backup": args, "register": "result"}


def write_state(directory, generation):
    directory.mkdir(exist_ok=True)
    (directory / "cluster.yml").write_text("cluster_name: it\nnodes: []\n# %d\n" % generation)
    (directory / "cluster.rkestate").write_text(json.dumps({"currentState": {"generation": generation, "key": "PRIVATE-KEY-%d" % generation}}))
    (directory / "kube_config_cluster.yml").write_text("apiVersion: v1\nkind: Config\n# %d\n" % generation)


@pytest.fixture(name="runs", scope="module")
def fixture_runs(tmp_path_factory):
    """Three generations backed up with keep=2, one restore, one list: every output kept for the assertions."""
    tmp_path = tmp_path_factory.mktemp("cluster-state-backup")
    src, dest, restored = tmp_path / "src", tmp_path / "backups", tmp_path / "restored"
    outputs = []
    for generation in (1, 2, 3):
        write_state(src, generation)
        code, output = run_playbook(tmp_path, [backup_task(src, dest),
                                               {"name": "show", "ansible.builtin.debug": {"var": "result"}},
                                               {"name": "pause so names differ", "ansible.builtin.pause": {"seconds": 1}}])
        assert code == 0, output
        outputs.append(output)
    code, output = run_playbook(tmp_path, [backup_task(src, dest, state="restored", src_dir=str(restored)),
                                           {"name": "list", "baremetal.platform.cluster_state_backup_info": {"dest": str(dest), "cluster_name": "it"},
                                            "register": "result"},
                                           {"name": "show", "ansible.builtin.debug": {"var": "result"}}])
    assert code == 0, output
    outputs.append(output)
    return {"src": src, "dest": dest, "restored": restored, "outputs": outputs, "tmp": tmp_path}


def test_round_trip_is_byte_identical(runs):
    for name in STATE_FILES:
        assert (runs["restored"] / name).read_bytes() == (runs["src"] / name).read_bytes()


def test_retention_keeps_exactly_two(runs):
    archives = sorted(name for name in os.listdir(runs["dest"]) if name.endswith(".tar.gz.vault"))
    assert len(archives) == 2
    assert sorted(os.listdir(runs["dest"])) == sorted(archives + [name + ".sha256" for name in archives])
    listed = runs["outputs"][-1]
    for name in archives:
        digest = hashlib.sha256((runs["dest"] / name).read_bytes()).hexdigest()
        assert digest in listed and name in listed


def test_no_secret_in_output_at_vvv(runs):
    for output in runs["outputs"]:
        # -vvv was in force (connection details) and the module's arguments were printed, with the secret masked.
        assert "ESTABLISH LOCAL CONNECTION" in output
        assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in output
        assert PASSPHRASE not in output
        assert "PRIVATE-KEY-" not in output


def test_tampered_archive_is_refused(runs):
    dest = runs["tmp"] / "tampered-backups"
    shutil.copytree(runs["dest"], dest)
    newest = sorted(name for name in os.listdir(dest) if name.endswith(".vault"))[-1]
    path = dest / newest
    data = bytearray(path.read_bytes())
    data[-10] = ord("a") if data[-10] != ord("a") else ord("b")
    path.write_bytes(bytes(data))
    target = runs["tmp"] / "tampered-restore"
    code, output = run_playbook(runs["tmp"], [backup_task(runs["src"], dest, state="restored", src_dir=str(target), backup_name=newest)],
                                name="tampered")
    assert code != 0
    assert "does not match its recorded sha256" in output
    assert not target.exists()
    assert PASSPHRASE not in output
