"""apt-cacher-ng on the lab's bridge address: the nodes' only way to Debian packages.

The host runs no systemd, so the lab starts its own instance as a plain
process with its own configuration directory. Its cache lives in the shared
cache directory (one per lab name, so concurrent labs never write the same
file) and stays warm across ``down``/``up``.
"""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tools.lab.errors import LabError
from tools.lab.nodes import SOURCES
from tools.lab.state import cache_root

PORT = 3142
# Without this backend apt-cacher-ng remaps Debian requests to a random public
# mirror, which is unreachable from here.
DEBIAN_BACKEND = "http://deb.debian.org/debian/"
SECURITY_BACKEND = "deb.debian.org/debian-security"
START_TIMEOUT = 60
# apt-cacher-ng re-checks a cached index (InRelease) upstream when it is older than
# FreshIndexMaxAge (default 27 s). Ten nodes asking at once for the same stale index
# race in its temporary file names ("Failure to move file ... File exists") and the
# losers' apt waits forever. So: fetch each index once at start (one client, no race)
# and keep it fresh for the length of a lab run.
FRESH_INDEX_SECONDS = 3600
WARM_TIMEOUT = 60
WARM_ATTEMPTS = 3

CONFIG = """\
# Written by ./lab for lab {name}; this instance serves only the lab's bridge.
CacheDir: {cache}
LogDir: {logs}
SupportDir: /usr/lib/apt-cacher-ng
Port: {port}
BindAddress: {address}
SocketPath: {run}/acng.socket
PidFile: {run}/acng.pid
ForeGround: 1
Remap-debrep: file:deb_mirror*.gz /debian ; file:backends_debian
Remap-secdeb: security.debian.org security.debian.org/debian-security deb.debian.org/debian-security /debian-security ; {security}
ReportPage: acng-report.html
ExThreshold: 4
FreshIndexMaxAge: {fresh}
"""


def _directories(lab):
    base = lab.state_dir / "aptproxy"
    return base / "conf", base / "logs", base, cache_root() / "apt-cacher-ng" / lab.name


def start(lab):
    """Start the proxy on the bridge address and wait until it accepts connections."""
    conf, logs, run_dir, cache = _directories(lab)
    for directory in (conf, logs, cache):
        directory.mkdir(parents=True, exist_ok=True)
    (conf / "backends_debian").write_text(DEBIAN_BACKEND + "\n", encoding="utf-8")
    config = CONFIG.format(name=lab.name, cache=cache, logs=logs, port=PORT, address=lab.bridge_address, run=run_dir,
                           security=SECURITY_BACKEND, fresh=FRESH_INDEX_SECONDS)
    (conf / "acng.conf").write_text(config, encoding="utf-8")
    with open(logs / "stdout.log", "ab") as output:
        process = subprocess.Popen(["apt-cacher-ng", "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=output,  # pylint: disable=consider-using-with
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabError(f"apt-cacher-ng exited at start (exit {process.returncode}); see {logs}/stdout.log")
        try:
            with socket.create_connection((lab.bridge_address, PORT), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    else:
        raise LabError(f"apt-cacher-ng did not listen on {lab.bridge_address}:{PORT} within {START_TIMEOUT}s; see {logs}")
    warm(lab)
    return process.pid


def index_urls(sources=SOURCES):
    """The InRelease file of every suite in the nodes' sources.list."""
    urls = []
    for line in sources.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0] == "deb":
            urls.append(f"{fields[1].rstrip('/')}/dists/{fields[2]}/InRelease")
    return urls


def warm(lab):
    """Fetch every suite's index through the proxy, one after another, before any node asks.

    A failure is reported, not raised: the nodes' apt then meets the same problem and says so."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": lab.apt_proxy_url}))
    for url in index_urls():
        for attempt in range(1, WARM_ATTEMPTS + 1):
            try:
                with opener.open(url, timeout=WARM_TIMEOUT) as response:
                    response.read()
                break
            except (urllib.error.URLError, OSError) as exc:
                if attempt == WARM_ATTEMPTS:
                    print(f"lab {lab.name}: apt proxy could not fetch {url} ({exc}); the nodes' apt-get update may fail",
                          file=sys.stderr)
