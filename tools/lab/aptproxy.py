"""apt-cacher-ng on the lab's bridge address: the nodes' only way to Debian packages.

The host runs no systemd, so the lab starts its own instance as a plain
process with its own configuration directory. Its cache lives in the shared
cache directory (one per lab name, so concurrent labs never write the same
file) and stays warm across ``down``/``up``.
"""

import socket
import subprocess
import time

from tools.lab.errors import LabError
from tools.lab.state import cache_root

PORT = 3142
# Without this backend apt-cacher-ng remaps Debian requests to a random public
# mirror, which is unreachable from here.
DEBIAN_BACKEND = "http://deb.debian.org/debian/"
SECURITY_BACKEND = "deb.debian.org/debian-security"
START_TIMEOUT = 60

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
    (conf / "acng.conf").write_text(CONFIG.format(name=lab.name, cache=cache, logs=logs, port=PORT, address=lab.bridge_address,
                                                  run=run_dir, security=SECURITY_BACKEND), encoding="utf-8")
    with open(logs / "stdout.log", "ab") as output:
        process = subprocess.Popen(["apt-cacher-ng", "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=output,  # pylint: disable=consider-using-with
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LabError(f"apt-cacher-ng exited at start (exit {process.returncode}); see {logs}/stdout.log")
        try:
            with socket.create_connection((lab.bridge_address, PORT), timeout=1):
                return process.pid
        except OSError:
            time.sleep(0.2)
    raise LabError(f"apt-cacher-ng did not listen on {lab.bridge_address}:{PORT} within {START_TIMEOUT}s; see {logs}")
