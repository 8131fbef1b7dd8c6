"""Shared pytest setup: makes the checkout importable as the collection and loads the lab fixtures."""
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(REPO_ROOT, ".ansible", "collections")

if not os.path.isfile(os.path.join(COLLECTIONS, "ansible_collections", "baremetal", "platform", "galaxy.yml")):
    raise RuntimeError("The collection link is missing: run `scripts/setup` from the repository root first.")
for path in (COLLECTIONS, REPO_ROOT):
    if path not in sys.path:
        sys.path.insert(0, path)

pytest_plugins = [
    "tests.fixtures.lab_hosts",
    "tests.fixtures.lab_k8s",
]
