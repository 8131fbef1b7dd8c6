# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A copy of the backups in S3-compatible object storage (AWS S3, MinIO, Ceph RGW, ...) through boto3."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
    S3_ERRORS = (BotoCoreError, ClientError)
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = exc
    S3_ERRORS = ()


class S3Store(object):
    """Objects ``<prefix><name>`` in one bucket."""

    def __init__(self, bucket, prefix="", endpoint_url=None, region=None, access_key=None, secret_key=None, validate_certs=True):
        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            verify=validate_certs,
        )

    def names(self):
        """Every object name under the prefix, without the prefix."""
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            found.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", []))
        return found

    def upload(self, path, name):
        self.client.upload_file(path, self.bucket, self.prefix + name)

    def delete(self, name):
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
