"""Files one control plane needs: kubeconfigs for each client identity and the recorded state."""

import base64
import json
import socket

STATE_FILE = "state.json"


def free_ports(count):
    """``count`` distinct TCP ports free on 127.0.0.1 right now (the kernel picks them)."""
    sockets = []
    try:
        for _attempt in range(count):
            handle = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            handle.bind(("127.0.0.1", 0))
            sockets.append(handle)
        return [handle.getsockname()[1] for handle in sockets]
    finally:
        for handle in sockets:
            handle.close()


def _data(path):
    return base64.b64encode(path.read_bytes()).decode()


def write_kubeconfig(path, name, port, pki_dir, client):
    """A kubeconfig (JSON is valid YAML) for ``client``'s certificate, with everything embedded so it can be copied."""
    user = f"{name}-{client}"
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": f"https://127.0.0.1:{port}", "certificate-authority-data": _data(pki_dir / "ca.crt")}}],
        "users": [{"name": user, "user": {"client-certificate-data": _data(pki_dir / f"{client}.crt"),
                                          "client-key-data": _data(pki_dir / f"{client}.key")}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": user}}],
        "current-context": name,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)


def save_state(state_dir, state):
    """Write state.json atomically."""
    temporary = state_dir / (STATE_FILE + ".tmp")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(state_dir / STATE_FILE)


def load_state(state_dir):
    """The recorded state, or None when there is none (or it is unreadable after a crash)."""
    try:
        return json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
