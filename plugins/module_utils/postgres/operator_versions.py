# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Postgres major versions an installed Crunchy PGO can run.

The CRD accepts spec.postgresVersion 11 to 18, but the operator runs only the majors it has an image for: the
RELATED_IMAGE_POSTGRES_<major> environment variables of its Deployment (config/manager/manager.yaml upstream).
For a missing one it emits the Warning event ``MissingRequiredImage`` and never writes status. SUPPORTED is that
table for the releases this collection knows, read from their manifests (tests check it against the copies in the
upstream data pack); for any other install the module reads the variables from the operator Deployment itself.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# Operator release -> Postgres majors with a RELATED_IMAGE_POSTGRES_<major> in its config/manager/manager.yaml.
SUPPORTED = {
    '5.8.9': (15, 16, 17, 18),
    '6.0.0': (15, 16, 17, 18),
    '6.0.3': (15, 16, 17, 18),
}
CONTROL_PLANE_LABEL = 'postgres-operator.crunchydata.com/control-plane'
_IMAGE_VARIABLE = re.compile(r'^RELATED_IMAGE_POSTGRES_([0-9]+)$')


def normalize_version(version):
    """'v6.0.3' and '6.0.3' alike, as the keys of SUPPORTED."""
    return str(version or '').strip().lstrip('vV')


def majors_from_deployment(deployment):
    """Sorted Postgres majors for which the operator Deployment names an image (GIS variants do not count)."""
    majors = set()
    containers = ((((deployment or {}).get('spec') or {}).get('template') or {}).get('spec') or {}).get('containers')
    for container in containers or []:
        for variable in container.get('env') or []:
            match = _IMAGE_VARIABLE.match(variable.get('name') or '')
            if match and variable.get('value'):
                majors.add(int(match.group(1)))
    return tuple(sorted(majors))


def is_operator(deployment):
    """True for a Deployment that carries the operator's RELATED_IMAGE_POSTGRES_* variables."""
    return bool(majors_from_deployment(deployment))


def describe_majors(majors):
    """'15 to 18' for a contiguous run, else '13, 15, 17'."""
    majors = sorted(majors)
    if len(majors) > 2 and majors == list(range(majors[0], majors[-1] + 1)):
        return '%d to %d' % (majors[0], majors[-1])
    return ', '.join(str(major) for major in majors)


def version_error(version, majors, source):
    """The failure message for a postgres_version the operator cannot run (None when it can)."""
    if version in majors:
        return None
    return ('postgres_version %d cannot run on %s: it ships Postgres images for %s only, so the operator would report '
            'MissingRequiredImage and never start the cluster. Set postgres_version to one of %s (or upgrade the '
            'operator); nothing was changed.' % (version, source, describe_majors(majors),
                                                 ', '.join(str(major) for major in majors)))
