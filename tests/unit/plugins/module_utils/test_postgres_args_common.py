"""The postgres_cluster_ref doc fragment and CLUSTER_REF_ARG_SPEC say the same thing, and every module using one uses both."""
import ast
import os

import pytest
import yaml

from ansible_collections.baremetal.platform.plugins.doc_fragments.postgres_cluster_ref import ModuleDocFragment
from ansible_collections.baremetal.platform.plugins.module_utils.postgres.args_common import (
    CLUSTER_REF_ARG_SPEC, cluster_ref_argument_spec,
)
from tests import helpers

FRAGMENT = "baremetal.platform.postgres_cluster_ref"


def documentation(module):
    with open(os.path.join(helpers.MODULES, module + ".py"), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("%s has no DOCUMENTATION" % module)


def test_fragment_documents_exactly_the_arg_spec():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(options) == set(CLUSTER_REF_ARG_SPEC)
    for name, spec in CLUSTER_REF_ARG_SPEC.items():
        assert (options[name]["type"], options[name].get("required", False)) == (spec["type"], spec.get("required", False)), name


def test_module_options_extend_the_shared_spec_without_replacing_it():
    spec = cluster_ref_argument_spec(wait=dict(type="bool", default=False))
    assert spec["cluster"] == CLUSTER_REF_ARG_SPEC["cluster"] and spec["namespace"] == CLUSTER_REF_ARG_SPEC["namespace"]
    assert "kubeconfig" in spec and spec["wait"] == dict(type="bool", default=False)
    spec["cluster"]["required"] = False
    assert CLUSTER_REF_ARG_SPEC["cluster"]["required"] is True, "the constant must be copied, not shared"


@pytest.mark.parametrize("module", sorted(name[:-3] for name in os.listdir(helpers.MODULES) if name.endswith(".py")))
def test_a_module_documents_the_cluster_options_only_through_the_fragment(module):
    doc = documentation(module)
    with open(os.path.join(helpers.MODULES, module + ".py"), encoding="utf-8") as handle:
        uses_spec = "cluster_ref_argument_spec(" in handle.read()
    assert uses_spec == (FRAGMENT in (doc.get("extends_documentation_fragment") or [])), module
    if uses_spec:
        assert not set(doc.get("options") or {}) & set(CLUSTER_REF_ARG_SPEC), module
