"""Helpers for the add-on roles' unit tests: run a playbook, read CRD schemas."""
import os

import yaml

from tests import helpers
from tools.lab.k8s import crds

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
ROLES = ('openebs', 'local_path_provisioner', 'cert_manager', 'rancher', 'istio')


def run_playbook(playbook, extra_vars=None, extra_args=()):
    """Run a playbook on localhost with the repository's ansible.cfg (tests/helpers.py); returns the CompletedProcess."""
    return helpers.run_playbook(playbook, *extra_args, extra_vars=extra_vars or {}, timeout=300,
                                settings={'ANSIBLE_LOCALHOST_WARNING': '0', 'ANSIBLE_INVENTORY_UNPARSED_WARNING': '0'})


def crd_schema(kind, group):
    """openAPIV3Schema of the storage version of an upstream CRD at the roles' pins, made strict.

    The CRDs are the ones the lab loads (tools/lab/k8s/crds.py): ../shared/upstream/<component>/<pinned
    version>, or $BAREMETAL_UPSTREAM_DATA; a missing data pack fails saying where it looked.
    The API server rejects unknown fields only with strict field validation; the schema is
    tightened the same way (additionalProperties false where the CRD lists properties and does
    not preserve unknown fields), so a misspelt field fails here as it would there.
    """
    for name in crds.KNOWN_SETS:
        for path in crds.set_files(name):
            with open(path, encoding='utf-8') as handle:
                for doc in yaml.safe_load_all(handle):
                    if doc and doc.get('kind') == 'CustomResourceDefinition' and \
                            doc['spec']['names']['kind'] == kind and doc['spec']['group'] == group:
                        version = [v for v in doc['spec']['versions'] if v.get('storage')][0]
                        return _strict(version['schema']['openAPIV3Schema'])
    raise RuntimeError('No CRD for %s.%s in the CRD sets %s' % (kind, group, ', '.join(crds.KNOWN_SETS)))


def _strict(schema):
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if 'properties' in schema and 'additionalProperties' not in schema and \
                not schema.get('x-kubernetes-preserve-unknown-fields'):
            schema['additionalProperties'] = False
        return schema
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema
