"""node_state: how node_state_info reads dpkg, systemctl, ssh-keygen, moduli and /proc/modules output."""
from ansible_collections.baremetal.platform.plugins.module_utils import node_state


def test_installed_packages_needs_install_ok_installed():
    output = ("python3-apt install ok installed\n"
              "sudo deinstall ok config-files\n"
              "libc6 install ok installed\nlibc6 unknown ok not-installed\n")
    assert node_state.installed_packages(['python3-apt', 'sudo', 'libc6', 'chrony'], output) == {
        'python3-apt': True, 'sudo': False, 'libc6': True, 'chrony': False}


def test_unit_states_reads_one_block_per_unit_in_order():
    output = ("LoadState=masked\nActiveState=inactive\nUnitFileState=masked\n\n"
              "LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n")
    states = node_state.unit_states(['swap.target', 'systemd-timesyncd.service', 'iscsid.service'], output)
    assert states['swap.target'] == {'unit_file_state': 'masked', 'active_state': 'inactive', 'load_state': 'masked'}
    assert states['systemd-timesyncd.service']['unit_file_state'] == 'enabled'
    assert states['systemd-timesyncd.service']['active_state'] == 'active'
    # A unit systemctl did not answer for is unknown, so the role acts on it.
    assert states['iscsid.service'] == {'unit_file_state': '', 'active_state': '', 'load_state': ''}


def test_key_bits_reads_the_first_field():
    assert node_state.key_bits('3072 SHA256:abc root@node (RSA)\n') == 3072
    assert node_state.key_bits('') == 0
    assert node_state.key_bits('ssh-keygen: not a key file') == 0


def test_weak_moduli_counts_sizes_under_the_minimum():
    moduli = ("# Time Type Tests Tries Size Generator Modulus\n"
              "20230101000000 2 6 100 2047 2 FFFF\n"
              "20230101000000 2 6 100 3070 5 FFFF\n"
              "20230101000000 2 6 100 3071 5 FFFF\n"
              "20230101000000 2 6 100 8191 2 FFFF\n")
    assert node_state.weak_moduli(moduli, 3072) == 2
    assert node_state.weak_moduli(moduli, 0) == 0


def test_loaded_modules_are_the_first_column():
    proc_modules = "br_netfilter 32768 0 - Live 0x0\nbridge 311296 1 br_netfilter, Live 0x0\n"
    assert node_state.loaded_modules(proc_modules) == ['br_netfilter', 'bridge']
