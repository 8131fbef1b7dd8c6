"""The lab's apt proxy fetches every suite's index once, alone, before the nodes ask (no concurrent-refresh race)."""

import http.server
import threading
import types

from tools.lab import aptproxy
from tools.lab.nodes import SOURCES


def test_every_suite_of_the_nodes_sources_is_warmed():
    suites = [line.split()[2] for line in SOURCES.splitlines() if line.startswith("deb ")]
    urls = aptproxy.index_urls()
    assert len(urls) == len(suites) == 3
    assert [url.split("/dists/")[1] for url in urls] == [f"{suite}/InRelease" for suite in suites]


def test_the_proxy_keeps_indexes_fresh_for_a_lab_run():
    config = aptproxy.CONFIG.format(name="t", cache="/c", logs="/l", port=1, address="10.0.0.1", run="/r", security="s",
                                    fresh=aptproxy.FRESH_INDEX_SECONDS)
    assert f"FreshIndexMaxAge: {aptproxy.FRESH_INDEX_SECONDS}\n" in config
    assert aptproxy.FRESH_INDEX_SECONDS >= 3600


class _RecordingProxy(http.server.BaseHTTPRequestHandler):
    requested = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_):
        pass


def test_warm_asks_the_proxy_for_each_index_one_after_another():
    _RecordingProxy.requested = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _RecordingProxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        lab = types.SimpleNamespace(name="t", apt_proxy_url=f"http://127.0.0.1:{server.server_port}")
        aptproxy.warm(lab)
    finally:
        server.shutdown()
        server.server_close()
    # Through a proxy the request line carries the absolute URL.
    assert _RecordingProxy.requested == aptproxy.index_urls()


def test_warm_reports_an_unreachable_proxy_without_raising(capsys):
    lab = types.SimpleNamespace(name="t", apt_proxy_url="http://127.0.0.1:9")
    aptproxy.warm(lab)
    assert "apt proxy could not fetch http://deb.debian.org/debian/dists/bookworm/InRelease" in capsys.readouterr().err
