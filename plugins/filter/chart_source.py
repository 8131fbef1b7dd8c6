# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a Helm chart reference points (used by the add-on roles through baremetal.platform.addon_common)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

LOCAL_PREFIXES = ('/', './', '../', '~')


def chart_source(chart_ref):
    """oci, local, repo (a bare chart name looked up in a repository URL) or repo_name (<repo>/<chart>)."""
    if not isinstance(chart_ref, string_types) or not chart_ref.strip():
        raise AnsibleFilterError('chart_source needs a chart reference (a name, path, .tgz or oci:// reference), got %r' % (chart_ref,))
    if chart_ref.startswith('oci://'):
        return 'oci'
    if chart_ref.startswith(LOCAL_PREFIXES) or chart_ref.endswith('.tgz'):
        return 'local'
    if '/' not in chart_ref:
        return 'repo'
    return 'repo_name'


class FilterModule(object):
    """Helm chart reference filters."""

    def filters(self):
        return {'chart_source': chart_source}
