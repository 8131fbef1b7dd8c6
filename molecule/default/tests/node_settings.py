"""The node role's settings as the role sees them on a host, for the verify tests.

The host's inventory value, else the role's own default: roles/node/defaults/main.yml is read, never copied here,
so a changed default changes what the tests expect. Values are templated by Ansible itself with the host's
variables, so defaults such as ``node_engine: "{{ platform_engine | default('rke2') }}"`` resolve as in the role.
"""

from pathlib import Path

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLE_DEFAULTS = Path(__file__).resolve().parents[3] / "roles" / "node" / "defaults" / "main.yml"


def _trusted(value):
    """Inventory and defaults text is templated as Ansible templates it (ansible-core 2.19 templates trusted text only)."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    return value


def role_defaults():
    with open(ROLE_DEFAULTS, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def setting(host, name):
    """``name`` for this host: inventory value or role default, templated; a KeyError names both places looked in."""
    variables = _trusted(dict(role_defaults(), **host.ansible.get_variables()))
    if name not in variables:
        raise KeyError("%s is neither in the inventory of %s nor in %s" % (name, host.backend.host, ROLE_DEFAULTS))
    return Templar(loader=DataLoader(), variables=variables).template(variables[name])


def flag(host, name):
    """A boolean setting; survey-style text ("true", "yes") counts as Ansible's ``| bool`` counts it."""
    value = setting(host, name)
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "yes", "on", "1")
