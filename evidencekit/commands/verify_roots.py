"""Which roots a command-line ``verify`` trusted and where each came from.

An examiner must be able to say what their check relied on: the signer roots
(``--trust-ca`` files, ``trusted_roots`` in the settings) and the time-stamp authority
roots (the public ones the program ships, ``--tsa-ca``, ``trusted_tsa_roots`` in the
settings). Nothing is ever read from beside the bundle; the list says so and names each
root by its common name and SHA-256 fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidencekit.i18n import tr

__all__ = ["UsedRoot", "roots_of", "roots_lines", "roots_public"]


@dataclass(frozen=True)
class UsedRoot:
    """One root the check trusted: ``role`` signer | tsa; ``source`` option | settings;
    ``where``: the option and file, or the settings file."""

    role: str
    subject: str
    fingerprint: str
    source: str
    where: str


def roots_of(pem: bytes | str, role: str, source: str, where: str) -> list[UsedRoot]:
    """The certificates of ``pem`` as :class:`UsedRoot` (unreadable text: none)."""
    from cryptography import x509

    from evidencekit.bundle.verify_report import display_name
    from evidencekit.vault.identity import fingerprint

    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        return []
    return [UsedRoot(role, display_name(cert.subject.rfc4514_string()), fingerprint(cert),
                     source, where) for cert in certs]


def roots_lines(roots: list[UsedRoot], public_count: int) -> list[str]:
    """The lines the text report starts with."""
    from evidencekit.vault.identity import format_fingerprint

    lines = [tr("verify_round2.roots_title")]
    signer = [r for r in roots if r.role == "signer"]
    if not signer:
        lines.append(tr("verify_round2.no_signer_roots"))
    for root in signer + [r for r in roots if r.role == "tsa"]:
        source = tr("verify_round2.source_" + root.source,
                    **({"option": root.where} if root.source == "option" else
                       {"path": root.where}))
        lines.append(tr("verify_round2.root_" + root.role, subject=root.subject,
                        fingerprint=format_fingerprint(root.fingerprint), source=source))
    lines.append(tr("verify_round2.roots_public", count=public_count))
    return lines


def roots_public(roots: list[UsedRoot], public_count: int) -> dict[str, Any]:
    """The same for ``--json``."""
    return {"roots_used": [{"role": r.role, "subject": r.subject, "fingerprint": r.fingerprint,
                            "source": r.source, "where": r.where} for r in roots],
            "public_tsa_roots": public_count}
