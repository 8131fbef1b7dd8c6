# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a MetalLB release reads, decided in one place (the istio role's default and phase 0's inventory checks)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible.errors import AnsibleFilterError

# MetalLB reads the metallb.io/ Service annotations from this release; before, only metallb.universe.tf/.
METALLB_IO_ANNOTATIONS_FROM = (0, 14, 9)
ANNOTATION_PREFIX = 'metallb.io'
LEGACY_ANNOTATION_PREFIX = 'metallb.universe.tf'


def metallb_release(version):
    """A MetalLB version such as 0.14.9 or v0.14.9 as a tuple of three ints, or None when it is no version."""
    match = re.match(r'^v?(\d+)\.(\d+)\.(\d+)', str(version))
    return tuple(int(part) for part in match.groups()) if match else None


def metallb_annotation_prefix(version):
    """metallb.io for MetalLB 0.14.9 and newer, metallb.universe.tf before."""
    release = metallb_release(version)
    if release is None:
        raise AnsibleFilterError('metallb_annotation_prefix needs a MetalLB version such as 0.16.1, got %r' % (version,))
    return ANNOTATION_PREFIX if release >= METALLB_IO_ANNOTATIONS_FROM else LEGACY_ANNOTATION_PREFIX


class FilterModule(object):
    """MetalLB version filters."""

    def filters(self):
        return {'metallb_annotation_prefix': metallb_annotation_prefix}
