"""Engine downloads verified against the release's own checksum file (roles rke2, rke1, helm).

A small HTTP server on the lab bridge (the only address lab nodes reach) serves
release directories laid out like upstream's: the rke2 tarball with its
sha256sum-amd64.txt, rke_linux-amd64 with sha256sum.txt, a helm archive with its
.sha256sum. The files served are the test doubles (tests/doubles/rke2_test_double
packed as the release tarball, tests/doubles/rke_test_double) and the lab's own
helm (built by `./lab k8s build`), because the real rke/rke2 cannot run here.

Each release is served three ways: good (the checksum file matches), tampered
(the checksum file is the genuine one, the file served is not) and without a
checksum file. rke2 runs on a real lab node (lab "dl"); rke1 and helm download
on the controller, from the same server.

The rke2 tests build on each other in file order (one node's life): missing
checksum file, tampered tarball, check mode, first install, second run, explicit
sha256.
"""
import functools
import hashlib
import http.server
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests import helpers
from tools.lab.k8s import build, versions

pytestmark = pytest.mark.lab

REPOSITORY = Path(__file__).resolve().parents[2]
DOUBLES = REPOSITORY / "tests" / "doubles"
LAB_NAME, LAB_SUBNET = "dl", "10.213.51.0/24"
TOKEN = "rke2-download-token-SECRET-5f1e"
# Lines for other release files, so the role must pick the line of its own file.
DECOY = "{}  {}\n"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def role_default(role, name):
    return yaml.safe_load((REPOSITORY / "roles" / role / "defaults" / "main.yml").read_text(encoding="utf-8"))[name]


class ReleaseServer:
    """http.server on one address and a free port, serving ``root``; records every requested path."""

    def __init__(self, address, root):
        self.root = Path(root)
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, format, *args):  # pylint: disable=redefined-builtin
                server.requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer((address, 0), functools.partial(Handler, directory=str(self.root)))
        self.url = "http://%s:%d" % (address, self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="release-server", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def publish(self, directory, files):
        """Write ``files`` (name -> bytes) into ``directory`` under the served root; return its URL."""
        target = self.root / directory
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
        return "%s/%s" % (self.url, directory)

    def requested(self, suffix):
        """The requests (URL-decoded paths) that ended with ``suffix``."""
        return [path for path in map(urllib.parse.unquote, self.requests) if path.endswith(suffix)]


@pytest.fixture(name="lab", scope="module")
def fixture_lab(lab_hosts):
    return lab_hosts(LAB_NAME, LAB_SUBNET, nodes=1)


@pytest.fixture(name="server", scope="module")
def fixture_server(lab, tmp_path_factory):
    """The release server on the lab bridge address; stopped after the module, also when tests fail."""
    server = ReleaseServer(lab.bridge_address, tmp_path_factory.mktemp("releases")).start()
    try:
        yield server
    finally:
        server.stop()


def run_playbook(work, inventory, plays, settings, *arguments):
    """ansible-playbook with ``plays`` and ``settings`` as extra vars; returns (returncode, output)."""
    (work / "inventory.yml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    (work / "play.yml").write_text(yaml.safe_dump(plays), encoding="utf-8")
    (work / "vars.json").write_text(json.dumps(settings), encoding="utf-8")
    # The inventory names each host's connection and Python (lab nodes are remote); the venv's tools are on PATH.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    proc = helpers.run_playbook(work / "play.yml", "-e", "@%s" % (work / "vars.json"), *arguments, inventory=str(work / "inventory.yml"),
                                connection=None, interpreter=None, env=env, timeout=1200)
    return proc.returncode, proc.stdout + proc.stderr


def flat(output):
    """The output with every run of whitespace as one space: long messages are wrapped in it."""
    return " ".join(output.split())


def recap(output):
    """host -> changed count from the PLAY RECAP."""
    return dict((host, int(changed)) for host, changed in re.findall(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)", output, re.M))


def controller_inventory():
    return {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}


# --- rke2: the nodes read sha256sum-amd64.txt beside the tarball ----------------------------------------------------


def tampered_tarball(genuine):
    """The genuine release tarball with one changed byte in bin/rke2: still a valid tarball, not the released one."""
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(genuine), mode="r:gz") as source, tarfile.open(fileobj=out, mode="w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "bin/rke2":
                data += b"\n# tampered\n"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out.getvalue()


@pytest.fixture(name="rke2", scope="module")
def fixture_rke2(lab, server, tmp_path_factory):
    """The packed test double as three served releases; a controller workspace for the role."""
    work = tmp_path_factory.mktemp("rke2-downloads")
    packed = work / "rke2.linux-amd64.tar.gz"
    subprocess.run([sys.executable, str(DOUBLES / "rke2_test_double"), "--pack", str(packed)], check=True)
    genuine = packed.read_bytes()
    version = role_default("rke2", "rke2_version")
    sums = (DECOY.format("1" * 64, "rke2-images.linux-amd64.tar.zst") + DECOY.format(sha256(genuine), "rke2.linux-amd64.tar.gz")
            + DECOY.format("2" * 64, "rke2.linux-amd64.tar.gz.sig")).encode()
    urls = {}
    # The URL of the tarball is shaped like upstream's: .../<version, URL-encoded>/rke2.linux-amd64.tar.gz.
    for case, files in (("good", {"rke2.linux-amd64.tar.gz": genuine, "sha256sum-amd64.txt": sums}),
                        ("tampered", {"rke2.linux-amd64.tar.gz": tampered_tarball(genuine), "sha256sum-amd64.txt": sums}),
                        ("nosums", {"rke2.linux-amd64.tar.gz": genuine})):
        base = server.publish("%s/rke2/%s" % (case, version), files)
        urls[case] = base.replace("+", "%2B") + "/rke2.linux-amd64.tar.gz"
    node = lab.hosts[0]
    inventory = {"all": {
        "vars": {"ansible_user": "root", "ansible_ssh_private_key_file": str(lab.ssh_key),
                 "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"},
        "hosts": {node.name: {"ansible_host": node.address, "internal_address": node.address,
                              "ansible_python_interpreter": "/usr/bin/python3"}},
        "children": {"k8s_cluster": {"children": {"k8s_controlplane": {"hosts": {node.name: {}}}}}}}}
    settings = {"rke2_token": TOKEN, "rke2_backup_enabled": False, "rke2_backup_passphrase": "not-used-backups-are-off",
                "rke2_start_timeout": 120,
                "rke2_kubeconfig_dest": str(work / "artifacts" / "kubeconfig")}
    return {"work": work, "inventory": inventory, "settings": settings, "urls": urls, "node": node.name,
            "genuine": genuine, "sums_url": urls["good"].rsplit("/", 1)[0] + "/sha256sum-amd64.txt"}


def run_rke2(rke2, *arguments, **settings):
    plays = [{"name": "Cluster phase (RKE2) under test", "hosts": "k8s_cluster", "gather_facts": False,
              "tasks": [{"name": "Include the rke2 role", "ansible.builtin.include_role": {"name": "baremetal.platform.rke2"}}]}]
    return run_playbook(rke2["work"], rke2["inventory"], plays, dict(rke2["settings"], **settings), *arguments)


def node_paths(lab, host):
    """Which install paths exist on the node (nothing of them on a fresh one)."""
    paths = ["/usr/local/bin/rke2", "/usr/local/lib/systemd/system/rke2-server.service", "/etc/rancher/rke2",
             "/var/lib/rancher/rke2-install/rke2.linux-amd64.tar.gz", "/usr/local/share/rke2/installed-tarball.sha256"]
    result = lab.ssh(host, "for p in %s; do test -e $p && echo $p; done; true" % " ".join(paths))
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_rke2_missing_checksum_file_stops_before_anything_is_installed(lab, server, rke2):
    code, output = run_rke2(rke2, rke2_tarball_url=rke2["urls"]["nosums"])
    assert code != 0, output
    sums_url = rke2["urls"]["nosums"].rsplit("/", 1)[0] + "/sha256sum-amd64.txt"
    assert "Cannot read the checksum file %s (status 404" % sums_url in flat(output), output
    assert "Nothing was installed" in flat(output) and "rke2_tarball_sha256" in output
    assert not server.requested("/nosums/rke2/%s/rke2.linux-amd64.tar.gz" % role_default("rke2", "rke2_version"))
    assert node_paths(lab, rke2["node"]) == []
    assert lab.ssh(rke2["node"], "test -e /var/lib/rancher/rke2-install").returncode != 0
    assert recap(output) == {rke2["node"]: 0}


def test_rke2_tampered_tarball_is_refused_and_nothing_is_installed(lab, server, rke2):
    code, output = run_rke2(rke2, rke2_tarball_url=rke2["urls"]["tampered"])
    assert code != 0, output
    assert "did not match %s" % sha256(rke2["genuine"]) in flat(output), output
    assert server.requested("/tampered/rke2/%s/rke2.linux-amd64.tar.gz" % role_default("rke2", "rke2_version"))
    assert node_paths(lab, rke2["node"]) == []
    assert lab.ssh(rke2["node"], "ls -A /var/lib/rancher/rke2-install").stdout.strip() == ""


def test_rke2_check_mode_on_a_fresh_node_reads_the_checksum_file_and_changes_nothing(lab, server, rke2):
    before = len(server.requested("/good/rke2/%s/sha256sum-amd64.txt" % role_default("rke2", "rke2_version")))
    code, output = run_rke2(rke2, "--check", rke2_tarball_url=rke2["urls"]["good"])
    assert code == 0, output[-6000:]
    assert len(server.requested("/good/rke2/%s/sha256sum-amd64.txt" % role_default("rke2", "rke2_version"))) == before + 1
    assert node_paths(lab, rke2["node"]) == []


def test_rke2_default_download_is_verified_against_the_checksum_file(lab, rke2):
    code, output = run_rke2(rke2, rke2_tarball_url=rke2["urls"]["good"])
    assert code == 0, output[-6000:]
    node = rke2["node"]
    # What is unpacked is the released tarball's bin/rke2, and the stamp is the checksum file's line for it.
    with tarfile.open(fileobj=io.BytesIO(rke2["genuine"]), mode="r:gz") as tar:
        binary = tar.extractfile("bin/rke2").read()
    assert lab.ssh(node, "sha256sum /usr/local/bin/rke2").stdout.split()[0] == sha256(binary)
    assert lab.ssh(node, "cat /usr/local/share/rke2/installed-tarball.sha256").stdout.strip() == sha256(rke2["genuine"])
    assert lab.ssh(node, "systemctl is-active rke2-server").stdout.strip() == "active"
    assert "rke2 version %s (test double)" % role_default("rke2", "rke2_version") in lab.ssh(node, "/usr/local/bin/rke2 --version").stdout


def test_rke2_second_run_changes_nothing(rke2):
    code, output = run_rke2(rke2, rke2_tarball_url=rke2["urls"]["good"])
    assert code == 0, output[-6000:]
    assert recap(output) == {rke2["node"]: 0}


def test_rke2_explicit_sha256_wins_over_the_checksum_file(lab, server, rke2):
    """With rke2_tarball_sha256 set the checksum file is not read: here there is none, and the run succeeds."""
    sums = "/nosums/rke2/%s/sha256sum-amd64.txt" % role_default("rke2", "rke2_version")
    before = len(server.requested(sums))  # the first test asked for it
    code, output = run_rke2(rke2, rke2_tarball_url=rke2["urls"]["nosums"], rke2_tarball_sha256=sha256(rke2["genuine"]).upper())
    assert code == 0, output[-6000:]
    assert recap(output) == {rke2["node"]: 0}
    assert len(server.requested(sums)) == before
    # And a given sha256 that is not the tarball's refuses it even though the checksum file would accept it.
    code, output = run_rke2(rke2, rke2_tarball_url=rke2["urls"]["good"], rke2_tarball_sha256="0" * 64)
    assert code != 0, output
    assert "did not match %s" % ("0" * 64) in flat(output)
    assert lab.ssh(rke2["node"], "cat /usr/local/share/rke2/installed-tarball.sha256").stdout.strip() == sha256(rke2["genuine"])


# --- rke1: the controller reads sha256sum.txt beside rke_linux-amd64 ---------------------------------------------


RKE1_INVENTORY = REPOSITORY / "tests" / "unit" / "roles" / "rke1" / "inventories" / "seed.yml"
RKE1_SSH_KEY = REPOSITORY / "tests" / "unit" / "roles" / "rke1" / "files" / "ssh_key_placeholder"


@pytest.fixture(name="rke1", scope="module")
def fixture_rke1(server):
    """rke_linux-amd64 (the test double) as four served releases: good, tampered, no sha256sum.txt, no line for it."""
    genuine = (DOUBLES / "rke_test_double").read_bytes()
    version = role_default("rke1", "rke1_version")
    sums = (DECOY.format("3" * 64, "rke_darwin-amd64") + DECOY.format(sha256(genuine), "rke_linux-amd64")
            + DECOY.format("4" * 64, "rke_linux-arm64")).encode()
    cases = {"good": {"rke_linux-amd64": genuine, "sha256sum.txt": sums},
             "tampered": {"rke_linux-amd64": genuine + b"\n# tampered\n", "sha256sum.txt": sums},
             "nosums": {"rke_linux-amd64": genuine},
             "noline": {"rke_linux-amd64": genuine, "sha256sum.txt": DECOY.format("3" * 64, "rke_darwin-amd64").encode()}}
    urls = dict((case, server.publish("%s/rke/%s" % (case, version), files) + "/rke_linux-amd64") for case, files in cases.items())
    return {"genuine": genuine, "urls": urls, "version": version}


def run_rke1_install(work, binary_url, *arguments, **settings):
    """The rke1 role's preflight and install (what downloads rke) on the controller, for the seed inventory."""
    inventory = yaml.safe_load(RKE1_INVENTORY.read_text(encoding="utf-8"))
    inventory["all"].setdefault("hosts", {})["localhost"] = controller_inventory()["all"]["hosts"]["localhost"]
    plays = [{"name": "Install rke with the rke1 role", "hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "Build the rke1 cluster configuration", "ansible.builtin.include_role": {
            "name": "baremetal.platform.rke1", "tasks_from": "cluster_config.yml", "public": True}},
        {"name": "Run the rke1 preflight", "ansible.builtin.include_role": {
            "name": "baremetal.platform.rke1", "tasks_from": "preflight.yml", "public": True}},
        {"name": "Install rke", "ansible.builtin.include_role": {"name": "baremetal.platform.rke1", "tasks_from": "install.yml"}}]}]
    variables = {"rke1_workdir": str(work / "rke1"), "platform_admin_private_key_file": str(RKE1_SSH_KEY),
                 "rke1_backup_passphrase": "unit-test-passphrase", "rke1_binary_url": binary_url}
    variables.update(settings)
    return run_playbook(work, inventory, plays, variables, *arguments)


def test_rke1_default_download_is_verified_against_sha256sum_txt(rke1, server, tmp_path):
    code, output = run_rke1_install(tmp_path, rke1["urls"]["good"])
    assert code == 0, output[-6000:]
    installed = tmp_path / "rke1" / "bin" / ("rke-%s" % rke1["version"])
    assert installed.read_bytes() == rke1["genuine"]
    assert server.requested("/good/rke/%s/sha256sum.txt" % rke1["version"])
    code, output = run_rke1_install(tmp_path, rke1["urls"]["good"])
    assert code == 0 and recap(output) == {"localhost": 0}, output[-6000:]


def test_rke1_check_mode_on_a_fresh_controller_reads_the_checksum_file_and_writes_nothing(rke1, server, tmp_path):
    sums = "/good/rke/%s/sha256sum.txt" % rke1["version"]
    before = len(server.requested(sums))
    code, output = run_rke1_install(tmp_path, rke1["urls"]["good"], "--check")
    assert code == 0, output[-6000:]
    assert len(server.requested(sums)) == before + 1
    assert not (tmp_path / "rke1").exists()


def test_rke1_tampered_binary_is_refused_and_nothing_is_installed(rke1, tmp_path):
    code, output = run_rke1_install(tmp_path, rke1["urls"]["tampered"])
    assert code != 0, output
    assert "did not match %s" % sha256(rke1["genuine"]) in flat(output), output
    assert list((tmp_path / "rke1" / "bin").iterdir()) == []


@pytest.mark.parametrize("case, message", [
    ("nosums", "Cannot read the checksum file {base}/sha256sum.txt (status 404"),
    ("noline", "The checksum file {base}/sha256sum.txt has no sha256 line for rke_linux-amd64"),
])
def test_rke1_unusable_checksum_file_stops_before_anything_is_written(rke1, tmp_path, case, message):
    url = rke1["urls"][case]
    code, output = run_rke1_install(tmp_path, url)
    assert code != 0, output
    assert message.format(base=url.rsplit("/", 1)[0]) in flat(output), output
    assert "Nothing was installed" in flat(output) and "rke1_binary_sha256" in output
    assert not (tmp_path / "rke1").exists()


def test_rke1_explicit_sha256_wins_over_the_checksum_file(rke1, server, tmp_path):
    sums = "/nosums/rke/%s/sha256sum.txt" % rke1["version"]
    before = len(server.requested(sums))
    code, output = run_rke1_install(tmp_path, rke1["urls"]["nosums"], rke1_binary_sha256=sha256(rke1["genuine"]))
    assert code == 0, output[-6000:]
    assert (tmp_path / "rke1" / "bin" / ("rke-%s" % rke1["version"])).read_bytes() == rke1["genuine"]
    assert len(server.requested(sums)) == before


# --- helm: the controller reads <archive>.sha256sum -----------------------------------------------------------------


def lab_helm():
    """The lab's helm (a real helm built from Go modules) and the version it reports."""
    tool = versions.TOOLS["helm"]
    binary = build.binary(tool, "helm")
    if not binary.is_file():
        pytest.fail(f"the lab's helm is missing ({binary}): run `sudo ./lab k8s build`")
    return binary, tool.version


@pytest.fixture(name="helm", scope="module")
def fixture_helm(server, tmp_path_factory):
    """The lab's helm packed as a release archive (linux-amd64/helm), served good, tampered and without .sha256sum."""
    binary, version = lab_helm()
    name = "helm-%s-linux-amd64.tar.gz" % version

    def archive(extra=b""):
        data = binary.read_bytes() + extra
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:gz") as tar:
            info = tarfile.TarInfo("linux-amd64/helm")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
        return out.getvalue()

    genuine = archive()
    sums = ("%s  %s\n" % (sha256(genuine), name)).encode()
    cases = {"good": {name: genuine, name + ".sha256sum": sums},
             "tampered": {name: archive(b"\0tampered"), name + ".sha256sum": sums},
             "nosums": {name: genuine}}
    urls = dict((case, server.publish("%s/helm" % case, files) + "/" + name) for case, files in cases.items())
    return {"version": version, "genuine": genuine, "urls": urls, "binary": binary, "work": tmp_path_factory.mktemp("helm")}


def run_helm_role(helm, work, source_url, *arguments):
    plays = [{"name": "Install helm", "hosts": "localhost", "gather_facts": False,
              "roles": [{"role": "baremetal.platform.helm"}]}]
    settings = {"helm_version": helm["version"], "helm_source_url": source_url, "platform_helm_binary": str(work / "bin" / "helm"),
                "helm_download_dir": str(work / "downloads")}
    return run_playbook(work, controller_inventory(), plays, settings, *arguments)


def test_helm_default_download_is_verified_against_its_sha256sum(helm, server, tmp_path):
    code, output = run_helm_role(helm, tmp_path, helm["urls"]["good"], "--check")
    assert code == 0, output[-6000:]
    assert not (tmp_path / "bin").exists() and not (tmp_path / "downloads").exists()
    code, output = run_helm_role(helm, tmp_path, helm["urls"]["good"])
    assert code == 0, output[-6000:]
    assert (tmp_path / "bin" / "helm").read_bytes() == helm["binary"].read_bytes()
    assert server.requested("/good/helm/helm-%s-linux-amd64.tar.gz.sha256sum" % helm["version"])
    code, output = run_helm_role(helm, tmp_path, helm["urls"]["good"])
    assert code == 0 and recap(output) == {"localhost": 0}, output[-6000:]


def test_helm_tampered_archive_is_refused_and_nothing_is_installed(helm, tmp_path):
    code, output = run_helm_role(helm, tmp_path, helm["urls"]["tampered"])
    assert code != 0, output
    assert "did not match %s" % sha256(helm["genuine"]) in flat(output), output
    assert not (tmp_path / "bin" / "helm").exists()
    assert [path.name for path in (tmp_path / "downloads").rglob("*") if path.is_file()] == []


def test_helm_missing_checksum_file_stops_with_a_clear_error(helm, tmp_path):
    code, output = run_helm_role(helm, tmp_path, helm["urls"]["nosums"])
    assert code != 0, output
    assert "Cannot read the checksum file %s.sha256sum (status 404" % helm["urls"]["nosums"] in flat(output), output
    assert "Nothing was downloaded" in flat(output) and "helm_checksum" in output
    assert not (tmp_path / "downloads").exists() and not (tmp_path / "bin").exists()
