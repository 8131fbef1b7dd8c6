"""A real Kubernetes control plane for tests: etcd, kube-apiserver, controller-manager, scheduler and kwok nodes.

Everything is built from Go modules (no downloads of release binaries are possible here), cached by
version under the lab cache, and run as local processes bound to 127.0.0.1.
"""
