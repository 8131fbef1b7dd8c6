# -*- coding: utf-8 -*-
# Copyright: baremetal.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ansible Vault 1.1 (AES256) envelope, written and read with the ``cryptography`` library.

Modules run apart from the controller and may not import ``ansible.parsing.vault``,
so this is the documented vault 1.1 format re-implemented: PBKDF2-HMAC-SHA256
(10000 iterations, 32-byte random salt) derives an AES-256 key, an HMAC-SHA256
key and a 16-byte CTR counter; the PKCS7-padded plaintext is AES-CTR encrypted
and authenticated with HMAC-SHA256 over the ciphertext. Files written here open
with ``ansible-vault decrypt`` and vice versa (the unit tests check both ways).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import binascii
import hmac
import hashlib
import os

try:
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported through missing_required_lib
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc

HEADER = b"$ANSIBLE_VAULT;1.1;AES256"
_KEY_LENGTH = 32
_IV_LENGTH = 16
_ITERATIONS = 10000
_LINE = 80


class VaultError(Exception):
    """The data is not a readable vault 1.1 envelope, or the passphrase does not open it."""


def _derive(passphrase, salt):
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=2 * _KEY_LENGTH + _IV_LENGTH, salt=salt, iterations=_ITERATIONS)
    key = kdf.derive(passphrase)
    return key[:_KEY_LENGTH], key[_KEY_LENGTH:2 * _KEY_LENGTH], key[2 * _KEY_LENGTH:]


def encrypt(plaintext, passphrase):
    """Return the vault 1.1 file content (bytes) for ``plaintext`` (bytes) under ``passphrase`` (bytes)."""
    salt = os.urandom(32)
    cipher_key, hmac_key, counter = _derive(passphrase, salt)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(counter)).encryptor()
    ciphertext = encryptor.update(padder.update(plaintext) + padder.finalize()) + encryptor.finalize()
    digest = hmac.new(hmac_key, ciphertext, hashlib.sha256).hexdigest().encode("ascii")
    # The outer hexlify is part of the format (ansible keeps it for compatibility).
    body = binascii.hexlify(b"\n".join([binascii.hexlify(salt), digest, binascii.hexlify(ciphertext)]))
    lines = [HEADER] + [body[i:i + _LINE] for i in range(0, len(body), _LINE)] + [b""]
    return b"\n".join(lines)


def decrypt(vaulttext, passphrase):
    """Return the plaintext of a vault 1.1/1.2 AES256 file; raise VaultError when it is damaged or the passphrase is wrong."""
    lines = vaulttext.splitlines()
    header = lines[0].strip().split(b";") if lines else []
    if len(header) < 3 or header[0] != b"$ANSIBLE_VAULT" or header[2] != b"AES256":
        raise VaultError("not an ansible-vault AES256 file (bad header)")
    try:
        salt_hex, digest_hex, ciphertext_hex = binascii.unhexlify(b"".join(lines[1:])).split(b"\n", 2)
        salt = binascii.unhexlify(salt_hex)
        ciphertext = binascii.unhexlify(ciphertext_hex)
        expected = binascii.unhexlify(digest_hex)
    except (binascii.Error, ValueError, TypeError):
        raise VaultError("the vault body is damaged (not valid hex)")
    cipher_key, hmac_key, counter = _derive(passphrase, salt)
    actual = hmac.new(hmac_key, ciphertext, hashlib.sha256).digest()
    if not hmac.compare_digest(actual, expected):
        raise VaultError("HMAC verification failed: the archive was altered or the passphrase is wrong")
    decryptor = Cipher(algorithms.AES(cipher_key), modes.CTR(counter)).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(decryptor.update(ciphertext) + decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        raise VaultError("bad padding after decryption: the archive is damaged")
