"""k8s_objects_info without an API server: it fails saying what to check, and refuses entries without a kind."""
from tests import helpers


def test_an_unreachable_api_server_fails_with_what_to_check():
    result = helpers.run_module('k8s_objects_info', dict(helpers.NO_API, server_version=True), env=helpers.without_k8s_auth())
    assert result['failed'] is True
    assert 'Could not reach the Kubernetes API' in result['msg'] and 'that the API server is up' in result['msg']


def test_an_entry_without_kind_is_refused_before_any_call():
    result = helpers.run_module('k8s_objects_info', dict(helpers.NO_API, objects=[{'api_version': 'v1'}]),
                                env=helpers.without_k8s_auth())
    assert result['failed'] is True
    assert 'missing required arguments: kind found in objects' in result['msg'], result['msg']
