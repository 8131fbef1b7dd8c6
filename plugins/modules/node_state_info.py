#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_state_info
short_description: Read what the node role needs to know about a server, in one round trip
version_added: "0.1.0"
description:
  - Reads, never changes, the state of a Debian or Ubuntu server that the node role checks before it acts
    (whether it runs in a container, which packages are installed, the state of systemd units, what the
    server's OpenSSH supports, its host keys, the effective sshd settings, the admin user's groups, kernel
    parameters, loaded kernel modules, weak Diffie-Hellman moduli and a few small files), so that a re-run
    that has nothing to do costs one task instead of one task per question.
  - Each part is read only when asked for; a part that cannot be read is reported as absent (C(null),
    C(false) or C(0)), not as an error, except the container detection and C(ssh -Q), which the role
    cannot do without.
author:
  - baremetal.platform maintainers (@baremetal-platform)
options:
  packages:
    description: Debian packages whose installed state to read (C(dpkg-query)).
    type: list
    elements: str
    default: []
  units:
    description: systemd units whose unit file state and active state to read (C(systemctl show)).
    type: list
    elements: str
    default: []
  ssh_queries:
    description:
      - Map of a name to an C(ssh -Q) query (C(kex), C(cipher), C(mac), C(key-sig)); the algorithms the
        node's OpenSSH supports are returned under the same names.
    type: dict
    default: {}
  host_key_files:
    description:
      - Map of a host key type to its private key file. Returns which exist, and the size of the C(rsa)
        one (C(ssh-keygen -l) on its C(.pub)).
    type: dict
    default: {}
  sshd_config:
    description: Read the effective sshd settings (C(sshd -T)).
    type: bool
    default: false
  user:
    description: A user whose groups to read (C(id -Gn)).
    type: str
  sysctls:
    description: Kernel parameters whose current values to read (from C(/proc/sys)).
    type: list
    elements: str
    default: []
  kernel_modules:
    description: Read the loaded kernel modules (C(/proc/modules)).
    type: bool
    default: false
  moduli_min_bits:
    description: Count the Diffie-Hellman moduli in I(moduli_path) smaller than this; C(0) does not read them.
    type: int
    default: 0
  moduli_path:
    description: The moduli file.
    type: path
    default: /etc/ssh/moduli
  files:
    description: Small text files to read whole (for example C(/etc/shells), C(/proc/swaps), C(/etc/fstab)).
    type: list
    elements: path
    default: []
extends_documentation_fragment:
  - baremetal.platform.info_module_attributes
"""

EXAMPLES = r"""
- name: Read the node's state once
  baremetal.platform.node_state_info:
    packages: [python3-apt, sudo, openssh-server]
    units: [systemd-timesyncd.service, swap.target]
    ssh_queries: {kex: kex, ciphers: cipher, macs: mac, host_key_algorithms: key-sig}
    host_key_files: {ed25519: /etc/ssh/ssh_host_ed25519_key, rsa: /etc/ssh/ssh_host_rsa_key}
    sshd_config: true
    user: kubeuser
    sysctls: [net.ipv4.ip_forward]
    files: [/etc/shells, /proc/swaps]
  register: node_state

- name: Install python3-apt when it is missing
  ansible.builtin.apt:
    name: python3-apt
  when: not node_state.packages['python3-apt']
"""

RETURN = r"""
container:
  description: What C(systemd-detect-virt --container) names (for example C(systemd-nspawn)); C(none) outside one.
  returned: always
  type: str
in_container:
  description: Whether the node is a container.
  returned: always
  type: bool
packages:
  description: Each package asked for, C(true) when dpkg reports it C(install ok installed).
  returned: always
  type: dict
units:
  description: Each unit asked for, with C(unit_file_state) (C(enabled), C(masked), ...), C(active_state) and C(load_state).
  returned: always
  type: dict
ssh_supported:
  description: Each name of I(ssh_queries), with the algorithms C(ssh -Q) lists.
  returned: always
  type: dict
host_keys:
  description: Each type of I(host_key_files), C(true) when the private key file exists.
  returned: always
  type: dict
rsa_host_key_bits:
  description: Size of the C(rsa) host key, C(0) when there is none or it cannot be read.
  returned: always
  type: int
sshd_effective:
  description: C(sshd -T) as C(rc), C(stdout_lines) and C(stderr); C(null) unless I(sshd_config).
  returned: always
  type: dict
user_groups:
  description: The groups of I(user); C(null) when it does not exist or was not asked for.
  returned: always
  type: list
  elements: str
user_entry:
  description: The C(shell) and C(home) of I(user) and whether the home exists (C(home_exists)); C(null) when it does not exist.
  returned: always
  type: dict
sysctls:
  description: Each parameter asked for with its current value (whitespace as the kernel prints it), C(null) when absent.
  returned: always
  type: dict
kernel_modules:
  description: The loaded kernel modules (empty unless I(kernel_modules)).
  returned: always
  type: list
  elements: str
moduli_weak:
  description: How many moduli are smaller than I(moduli_min_bits) (C(0) when not asked for or the file is absent).
  returned: always
  type: int
files:
  description: Each file asked for with its text, C(null) when it cannot be read.
  returned: always
  type: dict
file_stats:
  description:
    - Each file asked for with its C(mode) (octal, for example C(0644)), C(owner) and C(group) names, C(null)
      when it does not exist.
  returned: always
  type: dict
"""

import grp
import os
import pwd
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.baremetal.platform.plugins.module_utils import node_state


def read_text(path):
    """A file's text, or None when it cannot be read."""
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def file_stat(path):
    """{'mode': '0644', 'owner': 'root', 'group': 'root'} of a file, or None when it does not exist."""
    try:
        info = os.stat(path)
    except (IOError, OSError):
        return None
    try:
        owner = pwd.getpwuid(info.st_uid).pw_name
    except KeyError:
        owner = str(info.st_uid)
    try:
        group = grp.getgrgid(info.st_gid).gr_name
    except KeyError:
        group = str(info.st_gid)
    return {'mode': '%04o' % stat.S_IMODE(info.st_mode), 'owner': owner, 'group': group}


def user_entry(name):
    """{'shell', 'home', 'home_exists'} of a user, or None when there is no such user."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return {'shell': entry.pw_shell, 'home': entry.pw_dir, 'home_exists': os.path.isdir(entry.pw_dir)}


def run(module, argv):
    """(rc, stdout, stderr) of a command; rc 127 when it is not installed."""
    if module.get_bin_path(argv[0]) is None and not os.path.isabs(argv[0]):
        return 127, '', '%s: not found' % argv[0]
    return module.run_command(argv)


def container(module):
    """(name, in_container) from systemd-detect-virt --container (exit 1: none)."""
    rc, out, err = run(module, ['systemd-detect-virt', '--container'])
    if rc not in (0, 1):
        module.fail_json(msg='systemd-detect-virt --container failed (exit %d: %s); install systemd on the node' % (rc, (err or out).strip()))
    return out.strip() or 'none', rc == 0


def ssh_supported(module, queries):
    """{name: [algorithm, ...]} from `ssh -Q QUERY` for each query."""
    supported = {}
    for name, query in queries.items():
        rc, out, err = run(module, ['ssh', '-Q', str(query)])
        if rc != 0:
            module.fail_json(msg='ssh -Q %s failed on the node (exit %d: %s); install openssh-client or set '
                                 'node_ssh_crypto_policy: distribution' % (query, rc, (err or out).strip()))
        supported[name] = [line.strip() for line in out.splitlines() if line.strip()]
    return supported


def host_keys(module, files):
    """({type: exists}, bits of the rsa key or 0)."""
    present = {kind: os.path.exists(path) for kind, path in files.items()}
    bits = 0
    if files.get('rsa') and os.path.exists(files['rsa'] + '.pub'):
        rc, out, dummy = run(module, ['ssh-keygen', '-l', '-f', files['rsa'] + '.pub'])
        bits = node_state.key_bits(out) if rc == 0 else 0
    return present, bits


def main():
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type='list', elements='str', default=[]),
            units=dict(type='list', elements='str', default=[]),
            ssh_queries=dict(type='dict', default={}),
            # Paths to the host keys, not key material.
            host_key_files=dict(type='dict', default={}, no_log=False),
            sshd_config=dict(type='bool', default=False),
            user=dict(type='str'),
            sysctls=dict(type='list', elements='str', default=[]),
            kernel_modules=dict(type='bool', default=False),
            moduli_min_bits=dict(type='int', default=0),
            moduli_path=dict(type='path', default='/etc/ssh/moduli'),
            files=dict(type='list', elements='path', default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params
    result = dict(changed=False)
    result['container'], result['in_container'] = container(module)

    result['packages'] = {}
    if params['packages']:
        dummy, out, dummy_err = run(module, ['dpkg-query', '-W', '-f=${Package} ${Status}\\n'] + params['packages'])
        result['packages'] = node_state.installed_packages(params['packages'], out)

    result['units'] = {}
    if params['units']:
        rc, out, dummy = run(module, ['systemctl', 'show', '--property=UnitFileState,ActiveState,LoadState'] + params['units'])
        result['units'] = node_state.unit_states(params['units'], out if rc == 0 else '')

    result['ssh_supported'] = ssh_supported(module, params['ssh_queries'])
    result['host_keys'], result['rsa_host_key_bits'] = host_keys(module, params['host_key_files'])

    result['sshd_effective'] = None
    if params['sshd_config']:
        rc, out, err = run(module, ['/usr/sbin/sshd', '-T'])
        result['sshd_effective'] = dict(rc=rc, stdout_lines=out.splitlines(), stderr=err)

    result['user_groups'] = None
    result['user_entry'] = None
    if params['user']:
        rc, out, dummy = run(module, ['id', '-Gn', params['user']])
        result['user_groups'] = out.split() if rc == 0 else None
    result['user_entry'] = user_entry(params['user']) if params['user'] else None

    result['sysctls'] = {}
    for key in params['sysctls']:
        value = read_text(os.path.join('/proc/sys', key.replace('.', '/')))
        result['sysctls'][key] = value.strip() if value is not None else None

    modules_text = read_text('/proc/modules') if params['kernel_modules'] else None
    result['kernel_modules'] = node_state.loaded_modules(modules_text or '')

    moduli = read_text(params['moduli_path']) if params['moduli_min_bits'] > 0 else None
    result['moduli_weak'] = node_state.weak_moduli(moduli or '', params['moduli_min_bits'])

    result['files'] = dict((path, read_text(path)) for path in params['files'])
    result['file_stats'] = dict((path, file_stat(path)) for path in params['files'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
