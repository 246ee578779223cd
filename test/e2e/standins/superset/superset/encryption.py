"""Secrets stored in the metadata database (a data source's password), encrypted with a key
derived from SECRET_KEY, so that rotating the key needs `superset re-encrypt-secrets` as in
Superset. The format is the stand-in's own (Fernet), not Superset's sqlalchemy-utils AesEngine."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))


def encrypt(secret_key: str, value: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt(secret_key: str, token: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken as err:
        raise ValueError("a stored secret does not decrypt with SECRET_KEY: was the key changed without `superset re-encrypt-secrets`?") from err
