"""Command lines of the control plane's processes; every one listens on 127.0.0.1 only."""

SERVICE_CIDR = "10.96.0.0/16"
POD_CIDR = "10.244.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"
NODE_ANNOTATION = "kwok.x-k8s.io/node"


def etcd(binary, state_dir, client_port, peer_port):
    """etcd, one member, no fsync (test data only)."""
    peer = f"http://127.0.0.1:{peer_port}"
    client = f"http://127.0.0.1:{client_port}"
    return [str(binary), "--name=lab", f"--data-dir={state_dir / 'etcd'}", f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}", f"--initial-cluster=lab={peer}",
            "--unsafe-no-fsync=true", "--log-level=warn"]


def kube_apiserver(binary, state_dir, port, etcd_port):
    """kube-apiserver with RBAC, client-cert authentication and service-account tokens."""
    pki = state_dir / "pki"
    return [str(binary), f"--etcd-servers=http://127.0.0.1:{etcd_port}", "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={port}", f"--cert-dir={pki}", f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}", f"--service-cluster-ip-range={SERVICE_CIDR}", "--authorization-mode=Node,RBAC",
            "--allow-privileged=true", f"--service-account-issuer={ISSUER}", f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}", "--profiling=false"]


def kube_controller_manager(binary, state_dir, name):
    """kube-controller-manager: each controller with its own service account, as kubeadm runs it; no HTTPS port."""
    pki = state_dir / "pki"
    return [str(binary), f"--kubeconfig={state_dir / 'controller-manager.kubeconfig'}", "--bind-address=127.0.0.1", "--secure-port=0",
            "--leader-elect=false", "--use-service-account-credentials=true", f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}", f"--cluster-name={name}"]


def kube_scheduler(binary, state_dir):
    """kube-scheduler; no HTTPS port."""
    return [str(binary), f"--kubeconfig={state_dir / 'scheduler.kubeconfig'}", "--bind-address=127.0.0.1", "--secure-port=0",
            "--leader-elect=false"]


def kwok(binary, stages, state_dir):
    """kwok: plays kubelet for the nodes carrying the kwok annotation (Ready nodes, Running pods, no containers)."""
    return [str(binary), f"--kubeconfig={state_dir / 'kwok.kubeconfig'}", f"--config={stages}", "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={NODE_ANNOTATION}=fake", f"--cidr={POD_CIDR}", "--node-lease-duration-seconds=40"]


def node(name):
    """A fake node object for kwok: schedulable, generous capacity, no taints (ordinary charts schedule on it)."""
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "type": "kwok"},
        },
        "status": {"allocatable": capacity, "capacity": capacity},
    }
