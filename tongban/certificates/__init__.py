"""Electronic certificates (电子证照 / 电子证明): issue, sign, render, verify, revoke.

``core`` is pure Python (no Django): the claim set, its deterministic CBOR encoding, Ed25519
signing behind a ``Signer`` protocol, key sets, revocation lists, PDF rendering and offline
verification. The Django layer (models, services, API, pages) sits on top of it.
"""
