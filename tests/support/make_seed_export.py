#!/usr/bin/env python3
"""Writes a `config export` blob exactly as the seed tool (the .NET entra-auth-cli) does, with an
implementation independent of ours (Python's `cryptography` package), for tests/it/export_import.rs.

Reads a JSON spec on stdin:
    {"passphrase": "...", "profile": {AuthProfile fields, camelCase}, "client_secret": str|null,
     "certificate_password": str|null, "salt_hex": optional, "iv_hex": optional}
and prints the blob on stdout, with no trailing newline (as `config export -o` wrote it).

The seed (ProfileExportService.cs): plaintext = System.Text.Json of ProfileExportData, indented,
default options: PascalCase wrapper keys `Profile`, `ClientSecret`, `CertificatePassword`,
`ExportedAt`, nulls included; the profile keeps its explicit camelCase names, every property in
declaration order, enums as strings. Then PBKDF2-HMAC-SHA256 (UTF-8 passphrase, 32-byte random
salt, 100,000 iterations, 32-byte key), AES-256-CBC with PKCS7 and a random 16-byte IV, and
base64(salt || IV || ciphertext).
"""

import base64
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

# AuthProfile's properties in declaration order, with the C# defaults.
PROFILE_FIELDS = [
    ("name", ""),
    ("tenantId", ""),
    ("clientId", ""),
    ("scopes", []),
    ("resource", None),
    ("authMethod", "ClientSecret"),
    ("redirectUri", None),
    ("certificatePath", None),
    ("cacheCertificatePassword", False),
    ("defaultFlow", None),
    ("createdAt", "2025-12-26T10:00:00.1234567+00:00"),
    ("updatedAt", "2025-12-26T10:00:00.1234567+00:00"),
]


def main() -> None:
    spec = json.load(sys.stdin)
    given = spec["profile"]
    unknown = set(given) - {name for name, _ in PROFILE_FIELDS}
    if unknown:
        sys.exit(f"unknown AuthProfile fields: {sorted(unknown)}")
    profile = {name: given.get(name, default) for name, default in PROFILE_FIELDS}
    data = {
        "Profile": profile,
        "ClientSecret": spec.get("client_secret"),
        "CertificatePassword": spec.get("certificate_password"),
        "ExportedAt": "2025-12-27T09:30:00.0000000+00:00",
    }
    # WriteIndented = true: two-space indent, `"key": value`.
    plaintext = json.dumps(data, indent=2).encode("utf-8")

    salt = bytes.fromhex(spec["salt_hex"]) if "salt_hex" in spec else os.urandom(32)
    iv = bytes.fromhex(spec["iv_hex"]) if "iv_hex" in spec else os.urandom(16)
    key = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100_000
    ).derive(spec["passphrase"].encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    sys.stdout.write(base64.b64encode(salt + iv + ciphertext).decode("ascii"))


if __name__ == "__main__":
    main()
