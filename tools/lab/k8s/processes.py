"""Starting the control plane's processes and finding them again, even after a crash.

Every process gets the marker variable in its environment and names a file in the state directory on its
command line, so `down` finds it by scanning /proc when a pid file is stale or gone.
"""

import os
import subprocess

from tools.lab.errors import LabError
from tools.lab.procs import read_file

MARKER_VARIABLE = "BAREMETAL_LAB_K8S"


def start(state_dir, name, argv, environment=None):
    """Start ``argv`` detached, logging to <state>/logs/<name>.log and recording <state>/run/<name>.pid."""
    (state_dir / "logs").mkdir(parents=True, exist_ok=True)
    (state_dir / "run").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, **(environment or {}))
    env[MARKER_VARIABLE] = str(state_dir)
    with open(state_dir / "logs" / f"{name}.log", "ab") as log:
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,  # pylint: disable=consider-using-with
                                       start_new_session=True)
        except OSError as error:
            raise LabError(f"cannot start {name} ({argv[0]}): {error}; run `lab k8s build` first") from error
    (state_dir / "run" / f"{name}.pid").write_text(str(process.pid), encoding="utf-8")
    return process.pid


def log_tail(state_dir, name, lines=5):
    """Last lines of a process's log, for error messages."""
    text = read_file(state_dir / "logs" / f"{name}.log").decode("utf-8", errors="replace")
    return " | ".join(line.strip() for line in text.splitlines()[-lines:])


def recorded(state_dir):
    """{name: pid} from the pid files."""
    pids = {}
    for path in (state_dir / "run").glob("*.pid") if (state_dir / "run").is_dir() else ():
        try:
            pids[path.stem] = int(path.read_text(encoding="utf-8").strip())
        except ValueError:
            continue
    return pids


def belongs(pid, state_dir):
    """True if ``pid`` names the state directory on its command line or carries its marker in its environment."""
    needle = str(state_dir).encode()
    arguments = read_file(f"/proc/{pid}/cmdline").split(b"\0")
    if any(needle + b"/" in argument or argument.endswith(needle) for argument in arguments):
        return True
    return f"{MARKER_VARIABLE}={state_dir}".encode() in read_file(f"/proc/{pid}/environ").split(b"\0")


def scan(state_dir):
    """PIDs of every process that belongs to the state directory (pid files are not trusted: they may be stale)."""
    return {int(entry) for entry in os.listdir("/proc")
            if entry.isdigit() and int(entry) != os.getpid() and belongs(int(entry), state_dir)}
