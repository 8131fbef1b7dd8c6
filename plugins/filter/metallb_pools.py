# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check MetalLB address pools before anything is written (used by the role baremetal.platform.metallb)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible.errors import AnsibleFilterError

PROTOCOLS = ('layer2', 'bgp')
# Kubernetes object names (RFC 1123 subdomain, as MetalLB's CRDs need).
NAME_PATTERN = re.compile(r'^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$')


def parse_block(text):
    """(first, last) ip_address of a MetalLB address entry: CIDR 'a.b.c.0/24' or range 'a.b.c.d-a.b.c.e'.

    Raises ValueError with a message saying what is wrong.
    """
    text = str(text).strip()
    if '-' in text:
        start_text, _sep, end_text = text.partition('-')
        start = ipaddress.ip_address(start_text.strip())
        end = ipaddress.ip_address(end_text.strip())
        if start.version != end.version:
            raise ValueError('%r mixes IPv4 and IPv6' % text)
        if start > end:
            raise ValueError('%r starts after it ends' % text)
        return start, end
    if '/' in text:
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError as exc:
            if 'host bits set' in str(exc):
                raise ValueError('%r has host bits set; did you mean %s?' % (text, ipaddress.ip_network(text, strict=False)))
            raise
        return network[0], network[-1]
    raise ValueError('%r is neither a CIDR (192.168.10.0/24) nor a range (192.168.10.240-192.168.10.250)' % text)


def _pool_blocks(pool, index, errors):
    """[(first, last, text)] of one pool, appending its own problems to errors."""
    if not isinstance(pool, dict):
        errors.append('pool #%d is not a mapping with name and addresses' % (index + 1))
        return []
    name = pool.get('name')
    label = 'pool %r' % name if name else 'pool #%d' % (index + 1)
    if not name or not NAME_PATTERN.match(str(name)):
        errors.append('%s: name must be a lowercase DNS name (letters, digits, "-", "."), got %r' % (label, name))
    if pool.get('protocol', 'layer2') not in PROTOCOLS:
        errors.append('%s: protocol must be one of %s, got %r' % (label, ', '.join(PROTOCOLS), pool.get('protocol')))
    addresses = pool.get('addresses')
    if not addresses or isinstance(addresses, (str, dict)):
        errors.append('%s: addresses must be a non-empty list of CIDRs or ranges' % label)
        return []
    blocks = []
    for text in addresses:
        try:
            first, last = parse_block(text)
        except ValueError as exc:
            errors.append('%s: %s' % (label, exc))
            continue
        blocks.append((first, last, '%s (%s)' % (text, label)))
    return blocks


def metallb_pool_problems(pools, node_addresses=None):
    """Every problem of the pools, as sentences; empty when they are fine.

    Checks each pool (name, protocol, well-formed addresses), duplicate names, overlaps between pools
    and pools that contain a node's address.
    """
    if not isinstance(pools, list):
        raise AnsibleFilterError('metallb_pool_problems expects a list of pools, got %s' % type(pools).__name__)
    errors = []
    names = [pool.get('name') for pool in pools if isinstance(pool, dict)]
    for name in sorted(set(str(name) for name in names if names.count(name) > 1)):
        errors.append('pool name %r is used more than once' % name)
    blocks = []
    for index, pool in enumerate(pools):
        blocks.extend(_pool_blocks(pool, index, errors))
    for position, (first, last, text) in enumerate(blocks):
        for other_first, other_last, other_text in blocks[position + 1:]:
            if first.version == other_first.version and first <= other_last and other_first <= last:
                errors.append('%s overlaps %s' % (text, other_text))
    for raw in node_addresses or []:
        try:
            address = ipaddress.ip_address(str(raw).strip())
        except ValueError:
            continue  # host names in an inventory are not addresses; nothing to compare
        for first, last, text in blocks:
            if first.version == address.version and first <= address <= last:
                errors.append('%s contains the node address %s; MetalLB would hand it to a Service' % (text, address))
    return errors


class FilterModule(object):
    """MetalLB pool checks."""

    def filters(self):
        return {'metallb_pool_problems': metallb_pool_problems}
