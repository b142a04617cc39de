"""The custody log's hash chain and signed head, as pure functions.

Each event ``n`` has a plaintext body (a JSON object: ``event``, ``at``, ``item_id``,
details). Its chain hash is::

    body_sha256 = SHA-256(canonical_json(body))
    hash_n      = SHA-256("evidencekit-custody-v1" || seq_n (8 bytes, big endian)
                          || prev_hash (32 bytes) || body_sha256 (32 bytes))

with ``prev_hash`` of event 1 being 32 zero bytes. Because the chain commits to the body
only through ``body_sha256``, a bundle can show the whole chain while disclosing the bodies
of only the events about exported items (the others are shown as their digests).

The head (last ``seq`` and ``hash``) is signed with the vault identity (ECDSA P-256,
SHA-256) over :func:`head_message`. This module needs no vault and is used by both the
vault and the bundle verifier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from evidencekit.model import canonical_json

__all__ = [
    "GENESIS",
    "body_digest",
    "chain_hash",
    "head_message",
    "sign_head",
    "verify_head",
    "ChainRecord",
    "ChainProblem",
    "verify_chain",
]

GENESIS = "00" * 32
_DOMAIN = b"evidencekit-custody-v1"


def body_digest(body: dict[str, Any]) -> str:
    """Hex SHA-256 of the canonical JSON of an event body."""
    return hashlib.sha256(canonical_json(body)).hexdigest()


def chain_hash(seq: int, prev_hash: str, body_sha256: str) -> str:
    """Hex chain hash of event ``seq`` (see the module docstring)."""
    h = hashlib.sha256()
    h.update(_DOMAIN)
    h.update(seq.to_bytes(8, "big"))
    h.update(bytes.fromhex(prev_hash))
    h.update(bytes.fromhex(body_sha256))
    return h.hexdigest()


def head_message(vault_id: str, seq: int, head_hash: str) -> bytes:
    """The exact bytes signed for a custody-log head."""
    return canonical_json(
        {
            "purpose": "evidencekit-custody-head-v1",
            "vault_id": vault_id,
            "seq": seq,
            "hash": head_hash,
        }
    )


def sign_head(key: ec.EllipticCurvePrivateKey, vault_id: str, seq: int, head_hash: str) -> bytes:
    return key.sign(head_message(vault_id, seq, head_hash), ec.ECDSA(hashes.SHA256()))


def verify_head(
    cert: x509.Certificate, vault_id: str, seq: int, head_hash: str, signature: bytes
) -> bool:
    """True when ``signature`` is the identity's signature over this head."""
    pub = cert.public_key()
    if not isinstance(pub, ec.EllipticCurvePublicKey):
        return False
    try:
        pub.verify(signature, head_message(vault_id, seq, head_hash), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True)
class ChainRecord:
    """One link of the chain as shown in a bundle: the body may be withheld (``None``)."""

    seq: int
    prev_hash: str
    body_sha256: str
    hash: str
    body: dict[str, Any] | None = None


class ChainProblem(str):
    """One break in the chain: reads as ``event 7: …`` and carries ``seq`` and ``detail``
    so a report can point at the event without parsing the text."""

    seq: int
    detail: str

    def __new__(cls, seq: int, detail: str) -> ChainProblem:
        obj = super().__new__(cls, f"event {seq}: {detail}")
        obj.seq = seq
        obj.detail = detail
        return obj


def verify_chain(records: Sequence[ChainRecord] | Iterable[ChainRecord]) -> list[ChainProblem]:
    """Check a complete chain from event 1; return a list of problems (empty when intact)."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    for rec in records:
        if rec.seq != expected_seq:
            problems.append(ChainProblem(expected_seq,
                                         f"missing or out of order (found {rec.seq})"))
            expected_seq = rec.seq
        if rec.prev_hash != expected_prev:
            problems.append(ChainProblem(rec.seq, "previous-hash link broken"))
        if rec.body is not None and body_digest(rec.body) != rec.body_sha256:
            problems.append(ChainProblem(rec.seq, "body does not match its digest (altered)"))
        if chain_hash(rec.seq, rec.prev_hash, rec.body_sha256) != rec.hash:
            problems.append(ChainProblem(rec.seq, "chain hash does not match (altered)"))
        expected_prev = rec.hash
        expected_seq = rec.seq + 1
    return problems
