"""htpasswd_bcrypt (the registry's users, the same file on every run) and registry_problems (bad input before any write)."""
import bcrypt
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.baremetal.platform.plugins.filter.htpasswd import htpasswd_bcrypt
from ansible_collections.baremetal.platform.plugins.filter.registry_checks import registry_problems

KEY = 'k' * 32
USERS = [{'name': 'jenkins', 'password': 'push-password-1'}, {'name': 'ci.bot', 'password': 'päss-wörd-ünicode'}]


def test_htpasswd_lines_verify_and_repeat():
    text = htpasswd_bcrypt(USERS, KEY, 4)
    assert text.endswith('\n')
    lines = text.splitlines()
    assert [line.split(':', 1)[0] for line in lines] == ['jenkins', 'ci.bot']
    for line, user in zip(lines, USERS):
        hashed = line.split(':', 1)[1].encode()
        assert hashed.startswith(b'$2b$04$') and len(hashed) == 60
        assert bcrypt.checkpw(user['password'].encode('utf-8'), hashed)
    assert htpasswd_bcrypt(USERS, KEY, 4) == text


def test_salts_differ_per_user_and_key_and_a_new_password_changes_only_its_line():
    same_password = [{'name': 'a', 'password': 'same-password-x'}, {'name': 'b', 'password': 'same-password-x'}]
    a_line, b_line = htpasswd_bcrypt(same_password, KEY, 4).splitlines()
    assert a_line.split(':')[1] != b_line.split(':')[1]
    assert htpasswd_bcrypt(same_password, 'other-key-of-32-characters-long!', 4) != htpasswd_bcrypt(same_password, KEY, 4)
    changed = [same_password[0], {'name': 'b', 'password': 'new-password-yy'}]
    new_a, new_b = htpasswd_bcrypt(changed, KEY, 4).splitlines()
    assert new_a == a_line and new_b != b_line


@pytest.mark.parametrize('users, key, cost, message', [
    ([], KEY, 4, 'non-empty list'),
    ([{'name': 'a:b', 'password': 'x' * 12}], KEY, 4, 'contains ":"'),
    ([{'name': 'a', 'password': ''}], KEY, 4, "user 'a' has no password"),
    ([{'name': 'a', 'password': 'x' * 73}], KEY, 4, '73 bytes'),
    ([{'password': 'x' * 12}], KEY, 4, 'user 0 has no name'),
    (USERS, 'short', 4, 'at least 16 characters'),
    (USERS, KEY, 3, 'cost must be an integer from 4 to 31'),
])
def test_htpasswd_refuses_bad_input_without_showing_passwords(users, key, cost, message):
    with pytest.raises(AnsibleFilterError) as error:
        htpasswd_bcrypt(users, key, cost)
    assert message in str(error.value)
    assert 'x' * 12 not in str(error.value)


GOOD = {
    'registry_users': [{'name': 'jenkins', 'password': 'push-password-1'}],
    'registry_password_min_length': 12,
    'registry_ha_shared_secret': 'h' * 40,
    'registry_hostname': 'registry.example.com',
    'registry_htpasswd_cost': 12,
    'registry_persistence_size': '50Gi',
    'registry_garbage_collect_schedule': '0 1 * * *',
    'registry_gateway': 'istio-ingress/default-gateway',
    'registry_namespace': 'docker-registry',
    'registry_release_name': 'docker-registry',
    'registry_tls_secret_name': 'registry-tls',
    'registry_tls_source_secret_name': 'wildcard-tls',
    'registry_tls_source_namespace': 'istio-ingress',
}


def test_good_settings_have_no_problems():
    assert registry_problems(GOOD) == []


@pytest.mark.parametrize('changes, expected', [
    ({'registry_users': []}, 'registry_users=[]: no registry users; give at least one'),
    ({'registry_users': [{'name': 'jenkins', 'password': ''}]}, "registry_users[0].password=(empty): the user 'jenkins' has no password"),
    ({'registry_users': [{'name': 'jenkins', 'password': 'Zq9#x'}]},
     'registry_users[0].password=(5 characters): shorter than registry_password_min_length (12)'),
    ({'registry_users': [{'name': 'jenkins', 'password': 'p' * 80}]}, 'registry_users[0].password=(80 characters): longer than 72 bytes'),
    ({'registry_users': [{'name': 'jenkins', 'password': 'push-password-1', 'role': 'admin'}]},
     'registry_users[0]: unknown key(s) role; a user has only name and password'),
    ({'registry_users': [{'name': 'a', 'password': 'push-password-1'}, {'name': 'a', 'password': 'push-password-2'}]},
     "registry_users[1].name='a': the user is listed twice"),
    ({'registry_users': [{'name': 'bad:name', 'password': 'push-password-1'}]}, "registry_users[0].name='bad:name': not a user name"),
    ({'registry_ha_shared_secret': ''}, 'registry_ha_shared_secret=(0 characters): needs at least 32 characters'),
    ({'registry_ha_shared_secret': 'short-secret'}, 'registry_ha_shared_secret=(12 characters)'),
    ({'registry_hostname': 'registry.'}, "registry_hostname='registry.': not a DNS name"),
    ({'registry_hostname': 'Registry_Example.com'}, "registry_hostname='Registry_Example.com': not a DNS name"),
    ({'registry_hostname': 'registry'}, "registry_hostname='registry': not a DNS name"),
    ({'registry_htpasswd_cost': 40}, 'registry_htpasswd_cost=40: bcrypt costs go from 4 to 31'),
    ({'registry_persistence_size': '50 GB'}, "registry_persistence_size='50 GB': not a Kubernetes quantity"),
    ({'registry_garbage_collect_schedule': 'daily'}, "registry_garbage_collect_schedule='daily': not a cron schedule"),
    ({'registry_gateway': 'default-gateway'}, "registry_gateway='default-gateway': not <namespace>/<name>"),
    ({'registry_namespace': 'Docker_Registry'}, "registry_namespace='Docker_Registry': not a Kubernetes object name"),
])
def test_each_bad_setting_is_named_with_its_fix(changes, expected):
    problems = registry_problems(dict(GOOD, **changes))
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]
    for value in changes.values():
        if isinstance(value, list):
            for user in value:
                if len(user.get('password', '')) > 0:
                    assert user['password'] not in problems[0]


def test_all_problems_at_once():
    bad = dict(GOOD, registry_users=[], registry_ha_shared_secret='', registry_hostname='not valid')
    assert [problem.split('=', maxsplit=1)[0] for problem in registry_problems(bad)] == [
        'registry_users', 'registry_ha_shared_secret', 'registry_hostname']
