"""metallb_pool_problems: well-formed pools, no overlaps, no node address inside."""
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.baremetal.platform.plugins.filter.metallb_pools import metallb_pool_problems, parse_block


def pool(name, *addresses, **extra):
    return dict(name=name, addresses=list(addresses), **extra)


def test_good_pools_have_no_problem():
    pools = [pool('public', '192.168.10.0/28', '192.168.10.240-192.168.10.250'),
             pool('v6', 'fd00:10::/120'),
             pool('bgp', '10.50.0.0/24', protocol='bgp')]
    assert metallb_pool_problems(pools, ['192.168.10.20', '10.0.0.1', 'node1.example.com']) == []


@pytest.mark.parametrize('text, first, last', [
    ('192.168.10.0/30', '192.168.10.0', '192.168.10.3'),
    ('192.168.10.240 - 192.168.10.250', '192.168.10.240', '192.168.10.250'),
    ('10.0.0.7/32', '10.0.0.7', '10.0.0.7'),
])
def test_parse_block(text, first, last):
    assert tuple(str(address) for address in parse_block(text)) == (first, last)


@pytest.mark.parametrize('address, fragment', [
    ('192.168.10.5/24', 'did you mean 192.168.10.0/24'),
    ('192.168.10.250-192.168.10.240', 'starts after it ends'),
    ('192.168.10.1-fd00::1', 'mixes IPv4 and IPv6'),
    ('192.168.10.300/32', 'does not appear to be'),
    ('192.168.10.1', 'neither a CIDR'),
])
def test_malformed_addresses_are_explained(address, fragment):
    problems = metallb_pool_problems([pool('bad', address)])
    assert len(problems) == 1
    assert "pool 'bad'" in problems[0] and fragment in problems[0]


def test_overlapping_pools_are_named_both_ways():
    problems = metallb_pool_problems([pool('a', '192.168.10.0/24'), pool('b', '192.168.10.200-192.168.11.5')])
    assert problems == ["192.168.10.0/24 (pool 'a') overlaps 192.168.10.200-192.168.11.5 (pool 'b')"]


def test_overlap_inside_one_pool_is_found():
    assert len(metallb_pool_problems([pool('a', '10.0.0.0/29', '10.0.0.4-10.0.0.9')])) == 1


def test_adjacent_pools_do_not_overlap():
    assert metallb_pool_problems([pool('a', '10.0.0.0/29'), pool('b', '10.0.0.8/29')]) == []


def test_node_address_inside_a_pool_is_refused():
    problems = metallb_pool_problems([pool('a', '10.213.0.0/24')], ['10.213.0.11'])
    assert problems == ["10.213.0.0/24 (pool 'a') contains the node address 10.213.0.11; MetalLB would hand it to a Service"]


@pytest.mark.parametrize('pools, fragment', [
    ([pool('Bad_Name', '10.0.0.0/29')], 'lowercase DNS name'),
    ([dict(name='a')], 'non-empty list'),
    ([dict(name='a', addresses='10.0.0.0/29')], 'non-empty list'),
    ([pool('a', '10.0.0.0/29', protocol='ospf')], 'protocol must be one of layer2, bgp'),
    ([pool('a', '10.0.0.0/29'), pool('a', '10.0.1.0/29')], "pool name 'a' is used more than once"),
    (['10.0.0.0/29'], 'not a mapping'),
])
def test_structure_problems(pools, fragment):
    problems = metallb_pool_problems(pools)
    assert any(fragment in problem for problem in problems), problems


def test_not_a_list_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match='^metallb_pool_problems expects a list of pools, got dict$'):
        metallb_pool_problems({'name': 'a'})
