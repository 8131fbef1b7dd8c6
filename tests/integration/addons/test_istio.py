"""istio role on the lab control plane: real Istio CRDs, the real MetalLB controller assigns the gateway's IP."""
import pytest

pytestmark = pytest.mark.k8s

# Documentation range (RFC 5737): only written into Service status, never a traffic target.
POOL = {'apiVersion': 'metallb.io/v1beta1', 'kind': 'IPAddressPool',
        'metadata': {'name': 'addons-test', 'namespace': None},
        'spec': {'addresses': ['198.51.100.16/29']}}
GATEWAY_IP = '198.51.100.20'


@pytest.fixture(scope='module')
def istio_lab(addons, metallb_controller):
    addons.lab.load_crds('istio')
    pool = dict(POOL, metadata=dict(POOL['metadata'], namespace=metallb_controller))
    addons.lab.apply(pool)
    try:
        yield addons
    finally:
        # Free the gateway's address before its pool goes: MetalLB keeps its old configuration
        # (and refuses every later pool change) while a Service still holds an IP of a removed pool.
        addons.lab.helm('uninstall', 'istio-ingressgateway', '-n', 'istio-ingress', '--wait', check=False)
        addons.lab.kubectl('delete', 'ipaddresspool', '-n', metallb_controller, 'addons-test', '--ignore-not-found', check=False)


def test_istio_converges_and_the_gateway_gets_its_metallb_ip(istio_lab):
    addons = istio_lab
    # The lab's real MetalLB controller is v0.15.2 (0.16 cannot be built here): it reads the
    # metallb.io annotations, which the role picks for that version and the 0.16 default.
    first, _second = addons.converge(['istio'], {'istio_gateway_load_balancer_ip': GATEWAY_IP, 'platform_metallb_chart_version': '0.15.2'})

    lab = addons.lab
    service = lab.kubectl_json('get', 'service', '-n', 'istio-ingress', 'istio-ingressgateway')
    assert service['spec']['type'] == 'LoadBalancer'
    assert service['metadata']['annotations']['metallb.io/loadBalancerIPs'] == GATEWAY_IP
    assert [entry['ip'] for entry in service['status']['loadBalancer']['ingress']] == [GATEWAY_IP]
    assert 'answers on ' + GATEWAY_IP in ' '.join(first.output.split())
    gateway = lab.kubectl_json('get', 'gateways.networking.istio.io', '-n', 'istio-ingress', 'default-gateway')
    https = [server for server in gateway['spec']['servers'] if server['port']['number'] == 443][0]
    assert https['tls'] == {'mode': 'SIMPLE', 'credentialName': 'wildcard-tls'}
    assert gateway['spec']['selector'] == {'istio': 'ingressgateway'}
    for release in ('istio-base', 'istiod'):
        assert release in lab.helm('list', '-n', 'istio-system', '-q').stdout
    values = lab.helm('get', 'values', '-n', 'istio-ingress', 'istio-ingressgateway', '-o', 'json').stdout
    assert 'sds' not in values


def test_end_of_life_istio_fails_before_any_write(addons):
    """Istio 1.28 is end of life and does not support the lab's Kubernetes (read from its API server)."""
    run = addons.run(['istio'], {'istio_chart_version': '1.28.1', 'istio_gateway_namespace': 'istio-ingress-eol',
                                 'istio_namespace': 'istio-system-eol'})

    text = ' '.join(run.output.split())
    assert run.returncode != 0
    assert "Istio 1.28.1 and the cluster's Kubernetes %s are not a supported pair" % addons.lab.version in text, run.output
    assert 'Istio 1.28 is end of life' in text and 'Nearest supported choice: istio_chart_version 1.30.3' in text, run.output
    assert not addons.namespace_exists('istio-ingress-eol') and not addons.namespace_exists('istio-system-eol')
