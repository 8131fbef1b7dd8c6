"""The lab's CRD sets follow the roles' pins, come from the upstream data, and --fetch checks every file.

The download test serves a copy of the upstream data from a local HTTP server on 127.0.0.1 (a stand-in for
the upstream repositories, which this machine cannot reach): the same code path a user with internet takes.
"""

import functools
import hashlib
import http.server
import json
import shutil
import threading

import pytest

from tools.lab.errors import LabError
from tools.lab.k8s import crd_sources, crds, paths


def test_every_set_resolves_to_upstream_files_at_the_roles_pin():
    for name, crd_set in crds.SETS.items():
        files = crds.set_files(name)
        assert files, name
        assert all(str(crds.data_root() / crd_set.relative_dir()) in str(path) for path in files)
        assert crd_set.pin() in str(files[0])


def test_pins_are_read_from_the_role_defaults():
    text = (paths.REPO_ROOT / "roles" / "postgres_operator" / "defaults" / "main.yml").read_text(encoding="utf-8")
    assert f'postgres_operator_version: "{crds.SETS["pgo"].pin().lstrip("v")}"' in text


def test_missing_data_fails_saying_where_it_looked_and_how_to_fix_it(tmp_path, monkeypatch):
    monkeypatch.setenv(crds.DATA_VARIABLE, str(tmp_path / "nowhere"))
    monkeypatch.setenv("BAREMETAL_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(LabError) as error:
        crds.set_files("metallb")
    message = str(error.value)
    assert str(tmp_path / "nowhere" / crds.SETS["metallb"].relative_dir()) in message
    assert "metallb_chart_version in roles/metallb/defaults/main.yml" in message
    assert crds.DATA_VARIABLE in message and "--fetch metallb" in message


def test_recorded_sources_match_the_data():
    """crd_sources.json is what `python3 -m tools.lab.k8s.crd_sources` writes from the data today."""
    recorded = json.loads(crds.SOURCES_FILE.read_text(encoding="utf-8"))
    assert recorded == crd_sources.sources(crds.data_root())
    for crd_set in crds.SETS.values():
        assert crd_set.relative_dir() in recorded, f"no download sources for the pinned {crd_set.name} set"


@pytest.fixture(name="upstream_server")
def upstream_server_fixture(tmp_path):
    """A local HTTP server laid out like the upstream repositories (repo/ref/path), serving the data's files."""
    served = tmp_path / "served"
    for relative, entries in json.loads(crds.SOURCES_FILE.read_text(encoding="utf-8")).items():
        for entry in entries:
            target = served / entry["repo"] / entry["ref"] / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(crds.data_root() / relative / entry["file"], target)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *_args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(name="without_data")
def without_data_fixture(tmp_path, monkeypatch, upstream_server):
    served, url = upstream_server
    monkeypatch.setenv(crds.DATA_VARIABLE, str(tmp_path / "no-data"))
    monkeypatch.setenv("BAREMETAL_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(crds.FETCH_BASE_VARIABLE, url)
    return served


def test_fetch_downloads_the_pinned_files_and_the_set_then_resolves(without_data):  # pylint: disable=unused-argument
    crds.fetch(["metallb", "pgo"], progress=lambda _line: None)
    files = crds.set_files("metallb")
    assert files[0].is_relative_to(crds.fetched_root())
    entries = json.loads(crds.SOURCES_FILE.read_text(encoding="utf-8"))[crds.SETS["metallb"].relative_dir()]
    assert sorted(path.name for path in files) == sorted(entry["file"] for entry in entries)
    assert all(hashlib.sha256(path.read_bytes()).hexdigest() in {e["sha256"] for e in entries} for path in files)


def test_fetch_refuses_a_tampered_file_and_writes_nothing(without_data):
    entry = json.loads(crds.SOURCES_FILE.read_text(encoding="utf-8"))[crds.SETS["istio"].relative_dir()][0]
    with open(without_data / entry["repo"] / entry["ref"] / entry["path"], "a", encoding="utf-8") as handle:
        handle.write("# tampered\n")
    with pytest.raises(LabError, match=f"expected {entry['sha256']}: refusing it"):
        crds.fetch(["istio"], progress=lambda _line: None)
    assert not (crds.fetched_root() / crds.SETS["istio"].relative_dir() / entry["file"]).exists()


def test_fetch_of_a_missing_file_names_the_url(without_data):
    entry = json.loads(crds.SOURCES_FILE.read_text(encoding="utf-8"))[crds.SETS["cert-manager"].relative_dir()][0]
    (without_data / entry["repo"] / entry["ref"] / entry["path"]).unlink()
    with pytest.raises(LabError, match=f"cannot download .*/{entry['repo']}/{entry['ref']}/{entry['path']}: HTTP Error 404"):
        crds.fetch(["cert-manager"], progress=lambda _line: None)


def test_an_unknown_set_is_named():
    with pytest.raises(LabError, match="unknown CRD set 'nope'"):
        crds.set_files("nope")
