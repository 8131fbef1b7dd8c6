"""A minimal HTTPS client for the lab's kube-apiserver (stdlib only: the lab must run before any venv exists)."""

import http.client
import json
import ssl

from tools.lab.errors import LabError


class Api:
    """Talks to https://127.0.0.1:<port> as the admin client certificate."""

    def __init__(self, port, pki_dir, timeout=10):
        self.port = port
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=str(pki_dir / "ca.crt"))
        self.context.load_cert_chain(str(pki_dir / "admin.crt"), str(pki_dir / "admin.key"))

    def request(self, method, path, body=None, content_type="application/json"):
        """Return (status, decoded JSON or text); connection errors become status 0."""
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=self.timeout)
        try:
            payload = json.dumps(body) if isinstance(body, (dict, list)) else body
            headers = {"Content-Type": content_type, "Accept": "application/json"} if payload is not None else {"Accept": "application/json"}
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            return 0, str(error)
        finally:
            connection.close()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def get(self, path):
        """GET ``path``; fail unless it answers 200."""
        status, body = self.request("GET", path)
        if status != 200:
            raise LabError(f"GET {path} on the lab API server answered {status}: {str(body)[:300]}")
        return body

    def create(self, path, body):
        """POST ``body`` to ``path``; an object that already exists is fine."""
        status, answer = self.request("POST", path, body)
        if status not in (200, 201, 202, 409):
            raise LabError(f"POST {path} on the lab API server answered {status}: {str(answer)[:300]}")
        return answer
