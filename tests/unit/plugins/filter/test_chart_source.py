"""chart_source: the one answer to "is this chart from a repository?" for every add-on role."""
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.baremetal.platform.plugins.filter.chart_source import chart_source


@pytest.mark.parametrize('chart_ref, source', [
    ('openebs', 'repo'),
    ('rancher', 'repo'),
    ('metallb/metallb', 'repo_name'),
    ('oci://quay.io/jetstack/charts/cert-manager', 'oci'),
    ('/srv/charts/openebs', 'local'),
    ('./charts/metallb', 'local'),
    ('../charts/metallb', 'local'),
    ('~/charts/istiod', 'local'),
    ('openebs-4.4.0.tgz', 'local'),
    ('/srv/charts/rancher-2.15.0.tgz', 'local'),
])
def test_each_form_is_classified(chart_ref, source):
    assert chart_source(chart_ref) == source


@pytest.mark.parametrize('chart_ref', ['', '   ', None, 3])
def test_no_reference_fails_naming_the_value(chart_ref):
    with pytest.raises(AnsibleFilterError, match='chart_source needs a chart reference'):
        chart_source(chart_ref)
