"""openebs role on the lab control plane (fixture chart standing in for openebs/openebs 4.x)."""
import pytest

pytestmark = pytest.mark.k8s


def test_openebs_converges_hostpath_only_and_takes_the_default(addons):
    lab = addons.lab
    lab.apply({'apiVersion': 'storage.k8s.io/v1', 'kind': 'StorageClass', 'provisioner': 'example.com/other',
               'metadata': {'name': 'previous-default', 'annotations': {'storageclass.kubernetes.io/is-default-class': 'true'}}})

    first, _second = addons.converge(['openebs'])

    assert 'Removed the default annotation from StorageClass(es) previous-default' in first.output
    assert addons.default_classes() == ['openebs-hostpath']
    release = lab.helm('list', '-n', 'openebs', '-o', 'json')
    assert '"chart":"openebs-4.4.0"' in release.stdout
    deployments = {item['metadata']['name'] for item in lab.kubectl_json('get', 'deployment', '-n', 'openebs')['items']}
    assert deployments == {'openebs-localpv-provisioner'}, 'only the hostpath engine must be installed: %s' % deployments
    hostpath = lab.kubectl_json('get', 'storageclass', 'openebs-hostpath')
    assert '/var/openebs/local' in hostpath['metadata']['annotations']['cas.openebs.io/config']
    # OpenEBS >= 4.3 turns Loki, MinIO and Alloy on by default (the fixture too); the role turns them off.
    assert lab.kubectl_json('get', 'statefulset', '-n', 'openebs')['items'] == []
    values = lab.helm('get', 'values', '-n', 'openebs', 'openebs', '-o', 'json').stdout.replace(' ', '')
    assert '"alloy":{"enabled":false}' in values and '"loki":{"enabled":false,"minio":{"enabled":false}}' in values, values


def test_legacy_jiva_pin_without_iscsi_fails_before_any_write(addons):
    run = addons.run(['openebs'], {'openebs_chart_version': '3.10.0', 'openebs_namespace': 'openebs-legacy', 'node_iscsi_enabled': False})

    assert run.returncode != 0
    assert 'installs the legacy Jiva engine' in run.output and 'node_iscsi_enabled is not true for' in run.output, run.output
    assert not addons.namespace_exists('openebs-legacy')


SNAPSHOT_KINDS = (('VolumeSnapshotClass', 'volumesnapshotclasses', 'Cluster'),
                  ('VolumeSnapshotContent', 'volumesnapshotcontents', 'Cluster'),
                  ('VolumeSnapshot', 'volumesnapshots', 'Namespaced'))
RKE2_OWNER = {'meta.helm.sh/release-name': 'rke2-snapshot-controller-crd', 'meta.helm.sh/release-namespace': 'kube-system',
              # *.k8s.io groups are protected: the API server wants the approval upstream's CRDs carry.
              'api-approved.kubernetes.io': 'https://github.com/kubernetes-csi/external-snapshotter/pull/814'}


def rke2_snapshot_crd(kind, plural, scope):
    """A VolumeSnapshot CRD as RKE2's helm-controller leaves it (owned by the release rke2-snapshot-controller-crd)."""
    return {'apiVersion': 'apiextensions.k8s.io/v1', 'kind': 'CustomResourceDefinition',
            'metadata': {'name': plural + '.snapshot.storage.k8s.io', 'annotations': RKE2_OWNER,
                         'labels': {'app.kubernetes.io/managed-by': 'Helm'}},
            'spec': {'group': 'snapshot.storage.k8s.io', 'scope': scope,
                     'names': {'kind': kind, 'listKind': kind + 'List', 'plural': plural, 'singular': kind.lower()},
                     'versions': [{'name': 'v1', 'served': True, 'storage': True,
                                   'schema': {'openAPIV3Schema': {'type': 'object', 'x-kubernetes-preserve-unknown-fields': True}}}]}}


def test_openebs_leaves_snapshot_crds_another_owner_installed_alone(addons):
    """On RKE2 the VolumeSnapshot CRDs exist already (rke2-snapshot-controller-crd): Helm refuses to render them again."""
    lab = addons.lab
    created = []
    for kind, plural, scope in SNAPSHOT_KINDS:
        name = plural + '.snapshot.storage.k8s.io'
        if lab.kubectl('get', 'crd', name, check=False).returncode != 0:
            lab.apply(rke2_snapshot_crd(kind, plural, scope))
            created.append(name)
    owners_before = {plural: lab.kubectl_json('get', 'crd', plural + '.snapshot.storage.k8s.io')['metadata']['annotations']
                     for _kind, plural, _scope in SNAPSHOT_KINDS}
    settings = {'openebs_namespace': 'openebs-rke2', 'openebs_release_name': 'openebs-rke2',
                'openebs_hostpath_class_name': 'openebs-hostpath-rke2', 'openebs_default_storage_class': ''}
    try:
        # The defect: rendering them anyway makes Helm refuse the install.
        forced = addons.run(['openebs'], dict(settings, openebs_volume_snapshot_crds='install'))
        assert forced.returncode != 0 and 'snapshot.storage.k8s.io' in forced.output, forced.output

        run = addons.run(['openebs'], settings)
        assert run.returncode == 0, run.output
        assert 'OpenEBS leaves them alone' in ' '.join(run.output.split()), run.output
        values = lab.helm('get', 'values', '-n', 'openebs-rke2', 'openebs-rke2', '-o', 'json').stdout.replace(' ', '')
        assert '"openebs-crds":{"csi":{"volumeSnapshots":{"enabled":false}}}' in values, values
        for _kind, plural, _scope in SNAPSHOT_KINDS:
            crd = lab.kubectl_json('get', 'crd', plural + '.snapshot.storage.k8s.io')
            assert crd['metadata']['annotations'] == owners_before[plural], 'OpenEBS took over ' + plural
    finally:
        lab.helm('uninstall', 'openebs-rke2', '-n', 'openebs-rke2', check=False)
        lab.kubectl('delete', 'namespace', 'openebs-rke2', '--ignore-not-found', '--wait=false', check=False)
        for name in created:
            lab.kubectl('delete', 'crd', name, '--ignore-not-found', check=False)
