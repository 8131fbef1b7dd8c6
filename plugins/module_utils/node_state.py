# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parsers for node_state_info: what a node's commands and files say, without running anything."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# What `dpkg-query -W -f='${Package} ${Status}\n'` prints for an installed package.
INSTALLED = 'install ok installed'


def installed_packages(names, dpkg_output):
    """{name: True when dpkg says 'install ok installed'} for every name asked for (absent: False)."""
    status = {}
    for line in dpkg_output.splitlines():
        fields = line.split(' ', 1)
        if len(fields) == 2:
            # Multi-arch packages are printed once per architecture; one installed is enough.
            status[fields[0]] = status.get(fields[0], False) or fields[1].strip() == INSTALLED
    return {name: status.get(name, False) for name in names}


def unit_states(units, show_output):
    """{unit: {'unit_file_state': ..., 'active_state': ..., 'load_state': ...}} from `systemctl show`.

    systemctl prints one block of Key=Value lines per unit, in the order asked, separated by a blank line.
    """
    blocks = show_output.strip('\n').split('\n\n') if show_output.strip() else []
    states = {}
    for unit, block in zip(units, blocks):
        values = dict(line.split('=', 1) for line in block.splitlines() if '=' in line)
        states[unit] = {'unit_file_state': values.get('UnitFileState', ''), 'active_state': values.get('ActiveState', ''),
                        'load_state': values.get('LoadState', '')}
    for unit in units:
        states.setdefault(unit, {'unit_file_state': '', 'active_state': '', 'load_state': ''})
    return states


def key_bits(keygen_output):
    """The size `ssh-keygen -l -f KEY.pub` prints first (0 when it printed nothing usable)."""
    fields = keygen_output.split()
    return int(fields[0]) if fields and fields[0].isdigit() else 0


def weak_moduli(moduli_text, min_bits):
    """How many moduli lines are smaller than ``min_bits`` (field 5 is the size minus one)."""
    weak = 0
    for line in moduli_text.splitlines():
        fields = line.split()
        if len(fields) == 7 and fields[4].isdigit() and int(fields[4]) + 1 < min_bits:
            weak += 1
    return weak


def loaded_modules(proc_modules_text):
    """Names of the loaded kernel modules in /proc/modules."""
    return sorted({line.split(' ', 1)[0] for line in proc_modules_text.splitlines() if line.strip()})
