"""metallb_annotation_prefix: the one place that knows MetalLB reads metallb.io annotations from 0.14.9."""
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.baremetal.platform.plugins.filter.metallb_versions import metallb_annotation_prefix


@pytest.mark.parametrize('version, prefix', [
    ('0.16.1', 'metallb.io'),
    ('0.14.9', 'metallb.io'),
    ('v0.14.9', 'metallb.io'),
    ('0.14.8', 'metallb.universe.tf'),
    ('v0.13.12', 'metallb.universe.tf'),
    ('0.12.1', 'metallb.universe.tf'),
])
def test_prefix_follows_the_release(version, prefix):
    assert metallb_annotation_prefix(version) == prefix


def test_no_version_is_refused():
    with pytest.raises(AnsibleFilterError, match='needs a MetalLB version'):
        metallb_annotation_prefix('latest')
