"""Certificates and keys of one control plane, made with the openssl CLI (EC P-256: fast to generate).

* ca.crt/ca.key          the cluster CA (signs the serving cert and the client certs)
* apiserver.crt/.key     serving cert for 127.0.0.1 and the in-cluster names
* <user>.crt/.key        client certs: admin (group system:masters), controller-manager, scheduler, kwok
* sa.key/sa.pub          service-account token signing key pair
"""

import subprocess

from tools.lab.errors import LabError

CLIENTS = {
    "admin": ("kubernetes-admin", "system:masters"),
    "controller-manager": ("system:kube-controller-manager", None),
    "scheduler": ("system:kube-scheduler", None),
    "kwok": ("kwok-controller", "system:masters"),
}
SERVING_NAMES = "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.96.0.1"
DAYS = "3650"


def _openssl(*arguments):
    try:
        result = subprocess.run(["openssl", *arguments], capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise LabError("openssl is not installed: apt-get install openssl") from error
    if result.returncode != 0:
        raise LabError(f"openssl {arguments[0]} failed: {result.stderr.strip().splitlines()[-1:]}")


def _key(path):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))


def _signed(directory, name, subject, extensions):
    _key(directory / f"{name}.key")
    _openssl("req", "-new", "-key", str(directory / f"{name}.key"), "-subj", subject, "-out", str(directory / f"{name}.csr"))
    extension_file = directory / f"{name}.ext"
    extension_file.write_text(extensions + "\n", encoding="utf-8")
    _openssl("x509", "-req", "-in", str(directory / f"{name}.csr"), "-CA", str(directory / "ca.crt"), "-CAkey", str(directory / "ca.key"),
             "-CAcreateserial", "-days", DAYS, "-extfile", str(extension_file), "-out", str(directory / f"{name}.crt"))
    (directory / f"{name}.csr").unlink()
    extension_file.unlink()


def create(directory):
    """Write a fresh CA, serving cert, client certs and service-account keys into ``directory``."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _key(directory / "ca.key")
    _openssl("req", "-x509", "-new", "-key", str(directory / "ca.key"), "-subj", "/CN=baremetal-lab-ca", "-days", DAYS,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-out", str(directory / "ca.crt"))
    _signed(directory, "apiserver", "/CN=kube-apiserver",
            f"basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName={SERVING_NAMES}")
    for name, (user, group) in CLIENTS.items():
        subject = f"/O={group}/CN={user}" if group else f"/CN={user}"
        _signed(directory, name, subject, "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth")
    _key(directory / "sa.key")
    _openssl("pkey", "-in", str(directory / "sa.key"), "-pubout", "-out", str(directory / "sa.pub"))
