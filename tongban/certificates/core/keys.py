"""Signing keys: the ``Signer`` protocol, the software Ed25519 signer, published key sets.

A ``Signer`` is all the issuing side needs, so a hardware security module or a certified SM2
device can replace ``SoftwareSigner`` without touching the rest. Public keys are published as a
JWKS-like JSON key set (RFC 7517 / RFC 8037, ``kty`` OKP, ``crv`` Ed25519). A key id is the first
8 bytes of the key's RFC 7638 thumbprint, so it can never disagree with the key itself.

Private keys live in PEM files or the environment, never in the database. ``KeyDirectory``
keeps ``keys.json`` (public, safe to publish) next to ``<kid>.pem`` files (private, mode 0600).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tongban.certificates.core.encoding import EncodingError, b64url, b64url_decode

KID_BYTES = 8
ALGORITHM = "EdDSA"


class UnknownKey(KeyError):
    """No key in the key set has this id."""


class KeyMaterialError(ValueError):
    """A key file or key set that cannot be used (bad PEM, wrong key type, malformed JSON)."""


def key_id_for(raw_public: bytes) -> bytes:
    """The 8-byte key id: a prefix of the RFC 7638 JWK thumbprint of the public key."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw_public)}, separators=(",", ":"), sort_keys=True
    )
    return hashlib.sha256(canonical.encode("ascii")).digest()[:KID_BYTES]


def _ts(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _dt(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise KeyMaterialError(f"timestamp {value!r} is not an integer")
    return dt.datetime.fromtimestamp(value, dt.UTC)


@dataclass(frozen=True)
class PublicKey:
    """A published Ed25519 verification key, with when it started and (optionally) stopped signing."""

    raw: bytes
    not_before: dt.datetime | None = None
    retired_at: dt.datetime | None = None
    issuer: str = ""
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.raw) != 32:
            raise KeyMaterialError("an Ed25519 public key has 32 bytes")
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.raw))

    @property
    def kid_bytes(self) -> bytes:
        return key_id_for(self.raw)

    @property
    def kid(self) -> str:
        return b64url(self.kid_bytes)

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True when ``signature`` is this key's Ed25519 signature of ``message``."""
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": ALGORITHM,
            "use": "sig",
            "kid": self.kid,
            "x": b64url(self.raw),
        }
        if self.not_before is not None:
            jwk["nbf"] = _ts(self.not_before)
        if self.retired_at is not None:
            jwk["retired"] = _ts(self.retired_at)
        if self.issuer:
            jwk["iss"] = self.issuer
        return jwk

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any]) -> PublicKey:
        """Parse one JWK; refuses anything but an Ed25519 OKP key whose kid matches its key."""
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyMaterialError("only OKP/Ed25519 keys are accepted")
        if jwk.get("alg", ALGORITHM) != ALGORITHM:
            raise KeyMaterialError(f"unexpected alg {jwk.get('alg')!r}")
        try:
            raw = b64url_decode(str(jwk.get("x", "")))
        except EncodingError as exc:
            raise KeyMaterialError("x is not base64url") from exc
        key = cls(
            raw=raw,
            not_before=_dt(jwk.get("nbf")),
            retired_at=_dt(jwk.get("retired")),
            issuer=str(jwk.get("iss", "")),
        )
        if "kid" in jwk and jwk["kid"] != key.kid:
            raise KeyMaterialError(f"kid {jwk['kid']!r} does not match the key (expected {key.kid})")
        return key


@runtime_checkable
class Signer(Protocol):
    """Anything that signs with an Ed25519 key the key set publishes."""

    @property
    def kid_bytes(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...

    def public_key(self) -> PublicKey: ...


class SoftwareSigner:
    """An Ed25519 private key held in process memory, read from a PEM file or the environment."""

    def __init__(self, private_key: Ed25519PrivateKey, *, not_before: dt.datetime | None = None) -> None:
        self._private = private_key
        raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._public = PublicKey(raw=raw, not_before=not_before)

    @classmethod
    def generate(cls, *, not_before: dt.datetime | None = None) -> SoftwareSigner:
        return cls(Ed25519PrivateKey.generate(), not_before=not_before)

    @classmethod
    def from_pem(cls, data: bytes, *, password: bytes | None = None) -> SoftwareSigner:
        """Load a PKCS#8 PEM private key; raises KeyMaterialError unless it is Ed25519."""
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError) as exc:
            raise KeyMaterialError(f"cannot read the private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyMaterialError("the private key is not Ed25519")
        return cls(key)

    @classmethod
    def from_pem_file(cls, path: Path | str) -> SoftwareSigner:
        return cls.from_pem(Path(path).read_bytes())

    def to_pem(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def kid_bytes(self) -> bytes:
        return self._public.kid_bytes

    @property
    def kid(self) -> str:
        return self._public.kid

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    def public_key(self) -> PublicKey:
        return self._public


class KeySet:
    """The published verification keys, by key id."""

    def __init__(self, keys: Iterable[PublicKey] = ()) -> None:
        self._by_kid: dict[bytes, PublicKey] = {}
        for key in keys:
            self._by_kid[key.kid_bytes] = key

    def __iter__(self) -> Iterator[PublicKey]:
        return iter(self._by_kid.values())

    def __len__(self) -> int:
        return len(self._by_kid)

    def get(self, kid: bytes) -> PublicKey:
        """The key with this id; raises UnknownKey."""
        try:
            return self._by_kid[kid]
        except KeyError:
            raise UnknownKey(b64url(kid)) from None

    def with_key(self, key: PublicKey) -> KeySet:
        """A copy with ``key`` added or replaced."""
        return KeySet([*(k for k in self if k.kid_bytes != key.kid_bytes), key])

    def to_json(self) -> dict[str, Any]:
        keys = sorted(self, key=lambda k: (_ts(k.not_before) or 0, k.kid))
        return {"keys": [k.to_jwk() for k in keys]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: object) -> KeySet:
        """Parse ``{"keys": [...]}``; raises KeyMaterialError."""
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise KeyMaterialError('a key set is a JSON object with a "keys" list')
        return cls(PublicKey.from_jwk(jwk) for jwk in data["keys"])

    @classmethod
    def loads(cls, text: str | bytes) -> KeySet:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeyMaterialError(f"key set is not JSON: {exc}") from exc
        return cls.from_json(data)

    @classmethod
    def load(cls, path: Path | str) -> KeySet:
        """Read a key set file, or every ``*.json`` key set in a directory."""
        path = Path(path)
        if path.is_dir():
            files = sorted(p for p in path.glob("*.json"))
            if not files:
                raise KeyMaterialError(f"no *.json key set in {path}")
            keys: list[PublicKey] = []
            for file in files:
                keys.extend(cls.loads(file.read_bytes()))
            return cls(keys)
        return cls.loads(path.read_bytes())


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class KeyDirectory:
    """A directory holding ``keys.json`` (public) and ``<kid>.pem`` private keys.

    Rotation: ``rotate`` writes a new key and marks the previous signing key retired; new
    certificates are signed with the newest key whose private half is present, while the retired
    public keys stay in ``keys.json`` so certificates they signed keep verifying.
    """

    KEYSET = "keys.json"

    def __init__(self, path: Path | str, *, issuer: str = "tongban") -> None:
        self.path = Path(path)
        self.issuer = issuer

    @property
    def keyset_path(self) -> Path:
        return self.path / self.KEYSET

    def key_set(self) -> KeySet:
        if not self.keyset_path.exists():
            return KeySet()
        return KeySet.load(self.keyset_path)

    def _save(self, keys: KeySet) -> None:
        _write_atomic(self.keyset_path, keys.dumps().encode("utf-8"), 0o644)

    def rotate(self, *, now: dt.datetime) -> SoftwareSigner:
        """Create a new signing key and retire the current one; returns the new signer."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        signer = SoftwareSigner.generate(not_before=now)
        _write_atomic(self.path / f"{signer.kid}.pem", signer.to_pem(), 0o600)
        current = self.key_set()
        retired = [k if k.retired_at else replace(k, retired_at=now) for k in current]
        new_public = replace(signer.public_key(), issuer=self.issuer)
        self._save(KeySet([*retired, new_public]))
        return signer

    def signer(self) -> SoftwareSigner:
        """The newest unretired key whose private PEM is present; raises UnknownKey."""
        candidates = sorted(
            (k for k in self.key_set() if k.retired_at is None),
            key=lambda k: k.not_before or dt.datetime.min.replace(tzinfo=dt.UTC),
            reverse=True,
        )
        for key in candidates:
            pem = self.path / f"{key.kid}.pem"
            if pem.exists():
                signer = SoftwareSigner.from_pem_file(pem)
                if signer.kid_bytes != key.kid_bytes:
                    raise KeyMaterialError(f"{pem} holds a different key than its name says")
                return signer
        raise UnknownKey(f"no signing key in {self.path}")

    def ensure(self, *, now: dt.datetime) -> SoftwareSigner:
        """The current signer, creating the first key if the directory has none (demo mode)."""
        try:
            return self.signer()
        except UnknownKey:
            return self.rotate(now=now)
