"""Pulumi's passphrase secrets provider, for tests: real ciphertext in Pulumi's on-disk format.

Format (pulumi pkg/secrets/passphrase and sdk/go/common/resource/config/crypt.go):
key = PBKDF2-SHA256(passphrase, 8-byte salt, 1,000,000 rounds, 32 bytes); a value is
AES-256-GCM with a 12-byte nonce, written ``v1:<base64 nonce>:<base64 ciphertext+tag>``;
the stack's ``encryptionsalt`` is ``v1:<base64 salt>:`` + the encryption of "pulumi".

tests/stacks/Pulumi.staging.yaml was written with ``python -m tests.passphrase_support``
(prints it); tests/stacks/README.md names its passphrase too. The passphrase is example data:
nothing is deployed with it.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

STAGING_PASSPHRASE = "staging-example-passphrase-not-for-deploys"
STAGING_TOKEN = "5f0c3a9e7b2d4e81a6c9f3b0d7e2a4c1985b6d3f0e7a2c4b"
STAGING_PREVIOUS_TOKEN = "a1b2c3d4e5f60718293a4b5c6d7e8f90fedcba9876543210"


def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=1_000_000)
    return kdf.derive(passphrase.encode())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def encrypt(key: bytes, plaintext: str) -> str:
    nonce = os.urandom(12)
    return f"v1:{_b64(nonce)}:{_b64(AESGCM(key).encrypt(nonce, plaintext.encode(), None))}"


def decrypt(key: bytes, value: str) -> str:
    version, nonce, ciphertext = value.split(":")
    assert version == "v1", value
    return AESGCM(key).decrypt(base64.b64decode(nonce), base64.b64decode(ciphertext), None).decode()


def key_from_salt_state(passphrase: str, state: str) -> bytes:
    """The key for a stack's ``encryptionsalt``; checks the passphrase as Pulumi does."""
    version, salt, message = state.split(":", 2)
    assert version == "v1", state
    key = _key(passphrase, base64.b64decode(salt))
    assert decrypt(key, message) == "pulumi", "wrong passphrase"
    return key


def new_salt_state(passphrase: str, salt: bytes | None = None) -> tuple[str, bytes]:
    """A stack's ``encryptionsalt`` for ``passphrase`` (as `pulumi stack init` writes it) and
    the key that encrypts its values."""
    salt = os.urandom(8) if salt is None else salt
    key = _key(passphrase, salt)
    return f"v1:{_b64(salt)}:{encrypt(key, 'pulumi')}", key


def staging_file() -> str:
    state, key = new_salt_state(STAGING_PASSPHRASE)
    return f"""encryptionsalt: {state}
config:
  aws:region: us-west-2
  protected-cdn:authToken:
    secure: {encrypt(key, STAGING_TOKEN)}
  protected-cdn:domainName: cdn.staging.example.org
  protected-cdn:hostedZoneName: example.org
  protected-cdn:previousAuthTokens:
    - secure: {encrypt(key, STAGING_PREVIOUS_TOKEN)}
  protected-cdn:priceClass: PriceClass_200
  protected-cdn:protectContent: "true"
  protected-cdn:protectedPaths:
    - ex-img/*
    - private/*.pdf
"""


if __name__ == "__main__":
    print(staging_file(), end="")
