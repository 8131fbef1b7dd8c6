"""cluster_state_backup's S3 copy against a real S3 API server (moto's server mode) on 127.0.0.1.

The module runs under the project venv's interpreter (requirements-dev.txt has
boto3 and moto[server]); RKESTATE_S3_PYTHON points it at another one.
"""
import json
import os
import socket
import subprocess
import time

import pytest

from tests import helpers

MODULE = "cluster_state_backup"
S3_PYTHON = os.environ.get("RKESTATE_S3_PYTHON", os.path.join(helpers.REPO_ROOT, ".venv", "bin", "python"))
CREATE_HINT = "run scripts/setup (requirements-dev.txt installs boto3 and moto[server] into .venv)"
KEYS = {"aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "s3-SECRET-key-for-tests"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def s3_python(code, endpoint):
    """Run boto3 ``code`` (with ``client`` bound) under the S3 interpreter; return its stdout."""
    prelude = "import boto3, json\nclient = boto3.client('s3', endpoint_url=%r, region_name='us-east-1', **%r)\n" % (endpoint, KEYS)
    return subprocess.run([S3_PYTHON, "-c", prelude + code], capture_output=True, text=True, check=True).stdout


@pytest.fixture(name="endpoint")
def fixture_endpoint():
    """A moto S3 server on 127.0.0.1 with an empty bucket `state`; stopped afterwards."""
    if not os.path.exists(S3_PYTHON):
        pytest.fail("The S3 test needs %s with ansible-core, boto3 and moto[server]: %s" % (S3_PYTHON, CREATE_HINT))
    port = free_port()
    server = subprocess.Popen([os.path.join(os.path.dirname(S3_PYTHON), "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto_server did not start on 127.0.0.1:%d" % port)
                time.sleep(0.2)
        endpoint = "http://127.0.0.1:%d" % port
        s3_python("client.create_bucket(Bucket='state')", endpoint)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_module(**args):
    """The module under the S3 interpreter; the secret key never appears in its output."""
    return helpers.run_module(MODULE, args, python=S3_PYTHON, secrets=(KEYS["aws_secret_access_key"],))


def test_backups_are_copied_to_s3_and_rotated_there(tmp_path, endpoint):
    src = tmp_path / "src"
    src.mkdir()
    (src / "cluster.yml").write_text("nodes: []\n")
    (src / "kube_config_cluster.yml").write_text("kind: Config\n")
    args = {"src_dir": str(src), "dest": str(tmp_path / "backups"), "cluster_name": "s3", "passphrase": "s3-test-passphrase",
            "keep": 2, "s3_bucket": "state", "s3_prefix": "prod/", "s3_endpoint_url": endpoint, "s3_region": "us-east-1",
            "s3_access_key": KEYS["aws_access_key_id"], "s3_secret_key": KEYS["aws_secret_access_key"]}
    names = []
    for generation in range(3):
        (src / "cluster.rkestate").write_text(json.dumps({"generation": generation}))
        start = int(time.time())
        while int(time.time()) == start:  # backup names are to the second
            time.sleep(0.05)
        result = run_module(**args)
        assert result.get("failed") is not True, result
        names.append(os.path.basename(result["backup"]))
        assert result["s3_uploaded"] == [names[-1]]
    assert result["s3_removed"] == [names[0]]
    keys = json.loads(s3_python("print(json.dumps(sorted(o['Key'] for o in client.list_objects_v2(Bucket='state')['Contents'])))", endpoint))
    assert keys == sorted("prod/" + name + suffix for name in names[1:] for suffix in ("", ".sha256"))
    remote = s3_python("import sys\nsys.stdout.write(client.get_object(Bucket='state', Key=%r)['Body'].read().decode())" % ("prod/" + names[-1]), endpoint)
    assert remote == (tmp_path / "backups" / names[-1]).read_text()
    again = run_module(**args)
    assert again["changed"] is False and again["s3_uploaded"] == [] and again["s3_removed"] == []
