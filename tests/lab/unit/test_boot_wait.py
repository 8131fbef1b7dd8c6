"""nodes.wait_ready: a node whose nspawn exits while booting is booted once more, a second exit is an error.

The real boot is covered by tests/lab/integration/test_lab_hosts.py; here the process table and the node's
systemd are replaced, because an nspawn that dies at the right moment cannot be made on purpose.
"""
from types import SimpleNamespace

import pytest

from tools.lab import nodes
from tools.lab.errors import LabError


@pytest.fixture(name="node")
def fixture_node(tmp_path):
    (tmp_path / "console.log").write_text("Welcome to Debian\nFailed to allocate manager object\n", encoding="utf-8")
    return SimpleNamespace(name="node1", state_dir=tmp_path)


def _lab():
    return SimpleNamespace(prefix="bml-unit-")


def test_a_node_that_exits_while_booting_is_booted_once_more(monkeypatch, node):
    alive = {100: False, 200: True}
    started = []
    monkeypatch.setattr(nodes, "is_alive", lambda pid: alive[pid])
    monkeypatch.setattr(nodes, "start", lambda lab, n: started.append(n.name) or 200)
    monkeypatch.setattr(nodes, "remote", lambda lab, n, argv, timeout: (0, "running"))
    monkeypatch.setattr(nodes.time, "sleep", lambda seconds: None)
    pids = {"node1": 100}
    ready = nodes.wait_ready(_lab(), [node], pids, timeout=60)
    assert started == ["node1"]
    assert pids == {"node1": 200}
    assert list(ready) == ["node1"]
    assert "booting once more" in (node.state_dir / "console.log").read_text(encoding="utf-8")


def test_a_second_exit_is_an_error_that_quotes_the_console(monkeypatch, node):
    monkeypatch.setattr(nodes, "is_alive", lambda pid: False)
    monkeypatch.setattr(nodes, "start", lambda lab, n: 300)
    monkeypatch.setattr(nodes.time, "sleep", lambda seconds: None)
    with pytest.raises(LabError, match="stopped while booting, twice; its console ends with: .*booting once more"):
        nodes.wait_ready(_lab(), [node], {"node1": 100}, timeout=60)
