"""The registry role's chart values: every key it sends exists in the twuni docker-registry chart at the pin.

The values are computed as the role computes them (roles/registry/vars/main.yml over its defaults). configData is
the registry's own configuration (distribution's config.yml, free-form in the chart): keys under it are checked
against the chart's own configData plus the registry settings the role adds, listed here.
"""
import bcrypt
import pytest

from upstream_data import evaluate, has_path, leaf_paths, load_yaml, releases, role_defaults, upstream_path

USERS = [{'name': 'jenkins', 'password': 'jenkins-push-password'}, {'name': 'admin', 'password': 'a-long-admin-password'}]
SECRET = 's' * 40
# distribution's config.yml keys the role sets that the chart's default configData does not carry.
CONFIG_DATA_ADDED = {'configData.storage.delete.enabled'}

CASES = [
    {'name': 'defaults', 'role': 'registry',
     'vars': {'registry_users': USERS, 'registry_ha_shared_secret': SECRET, 'platform_domain': 'example.com'},
     'exprs': {'values': '_registry_values', 'service': '_registry_service_name'}},
    {'name': 'named_class_no_tls', 'role': 'registry',
     'vars': {'registry_users': USERS, 'registry_ha_shared_secret': SECRET, 'registry_storage_class': 'openebs-hostpath',
              'registry_tls_enabled': False, 'registry_release_name': 'images', 'registry_htpasswd_cost': 4},
     'exprs': {'values': '_registry_values', 'service': '_registry_service_name'}},
    {'name': 'again', 'role': 'registry',
     'vars': {'registry_users': USERS, 'registry_ha_shared_secret': SECRET, 'platform_domain': 'example.com'},
     'exprs': {'values': '_registry_values'}},
]


@pytest.fixture(scope='module', name='computed')
def computed_fixture(tmp_path_factory):
    return evaluate(str(tmp_path_factory.mktemp('registry')), CASES)


def chart_values():
    version = str(role_defaults('registry')['registry_chart_version'])
    return load_yaml(upstream_path('docker-registry', version, 'values.yaml'))


def test_the_pin_is_an_upstream_release_with_registry_3():
    version = str(role_defaults('registry')['registry_chart_version'])
    facts = releases()['docker-registry']
    assert version == str(facts['newest_stable'])
    chart = load_yaml(upstream_path('docker-registry', version, 'Chart.yaml'))
    assert str(chart['version']) == version and str(chart['appVersion']).startswith('3.')


@pytest.mark.parametrize('case', ['defaults', 'named_class_no_tls'])
def test_every_key_sent_exists_in_the_chart(computed, case):
    chart = chart_values()
    # Keys the chart documents only as comments in values.yaml (its README's table lists them).
    comment_only = {'tlsSecretName', 'persistence.storageClass'}
    text = open(upstream_path('docker-registry', str(role_defaults('registry')['registry_chart_version']), 'values.yaml'),
                encoding='utf-8').read()
    for key in comment_only:
        assert '# ' + key.split('.')[-1] + ':' in text, key + ' is no longer documented in values.yaml'
    missing = [path for path in leaf_paths(computed[case]['values']) if not has_path(chart, path)]
    assert sorted(set(missing) - comment_only - CONFIG_DATA_ADDED) == []
    assert set(missing) & CONFIG_DATA_ADDED == CONFIG_DATA_ADDED, 'the chart now has storage.delete: drop it from CONFIG_DATA_ADDED'


def test_defaults_give_tls_persistence_on_the_default_class_gc_and_deletes(computed):
    defaults = role_defaults('registry')
    values = computed['defaults']['values']
    assert values['tlsSecretName'] == defaults['registry_tls_secret_name']
    # No storageClass: the default StorageClass.
    assert values['persistence'] == {'enabled': True, 'size': defaults['registry_persistence_size']}
    assert values['garbageCollect'] == {'enabled': True, 'schedule': defaults['registry_garbage_collect_schedule'],
                                        'deleteUntagged': True}
    assert values['configData'] == {'storage': {'delete': {'enabled': True}}}
    assert values['secrets']['haSharedSecret'] == SECRET
    assert computed['defaults']['service'] == 'docker-registry'


def test_htpasswd_has_bcrypt_lines_that_check_and_stay_the_same(computed):
    htpasswd = computed['defaults']['values']['secrets']['htpasswd']
    cost = role_defaults('registry')['registry_htpasswd_cost']
    lines = htpasswd.splitlines()
    assert [line.split(':', 1)[0] for line in lines] == ['jenkins', 'admin']
    for line, user in zip(lines, USERS):
        hashed = line.split(':', 1)[1].encode()
        assert hashed.startswith(b'$2b$%02d$' % cost)
        assert bcrypt.checkpw(user['password'].encode(), hashed)
        assert not bcrypt.checkpw(b'wrong-password-here', hashed)
    # The same input again: the same file, so the release does not change and the pod is not restarted.
    assert computed['again']['values']['secrets']['htpasswd'] == htpasswd


def test_a_named_class_without_tls_and_another_release_name(computed):
    values = computed['named_class_no_tls']['values']
    assert 'tlsSecretName' not in values
    assert values['persistence']['storageClass'] == 'openebs-hostpath'
    assert values['secrets']['htpasswd'].split('\n')[0].split(':', 1)[1].startswith('$2b$04$')
    assert computed['named_class_no_tls']['service'] == 'images-docker-registry'


def test_the_chart_names_its_service_as_the_role_expects():
    version = str(role_defaults('registry')['registry_chart_version'])
    text = open(upstream_path('docker-registry', version, 'resources.txt'), encoding='utf-8').read()
    assert 'Service docker-registry docker-registry' in text.splitlines()
    assert 'Secret docker-registry docker-registry-secret' in text.splitlines()
