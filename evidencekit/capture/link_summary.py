"""The link item's ``summary.json`` and ``certificates.pem``: hops, TLS chains, rendering.

Built by :func:`evidencekit.capture.links.capture_link` from a
:class:`~evidencekit.capture.fetch.FetchResult`; readable by people and programs.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
from typing import Any

import httpx

from evidencekit.capture.fetch import ACCEPT_LANGUAGE, USER_AGENT, FetchResult, Hop, TlsInfo
from evidencekit.capture.urls import CheckedUrl
from evidencekit.model import iso

__all__ = ["SUMMARY_FORMAT", "build_summary", "certificates_pem", "describe_certificate",
           "hop_json", "tls_json"]

log = logging.getLogger(__name__)

SUMMARY_FORMAT = "evidencekit.link-summary/1"


def describe_certificate(der: bytes) -> dict[str, Any]:
    """Subject, issuer, validity, serial, names and SHA-256/SHA-1 fingerprints of a cert."""
    from cryptography import x509

    d: dict[str, Any] = {
        "sha256": hashlib.sha256(der).hexdigest(),
        "sha1": hashlib.sha1(der, usedforsecurity=False).hexdigest(),
    }
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        d["error"] = f"unparsable certificate: {exc}"
        return d
    d.update(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
             serial=format(cert.serial_number, "x"), not_before=iso(cert.not_valid_before_utc),
             not_after=iso(cert.not_valid_after_utc))
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        d["subject_alt_names"] = [str(v) for v in san.get_values_for_type(x509.DNSName)] + [
            str(v) for v in san.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        d["subject_alt_names"] = []
    return d


def tls_json(tls: TlsInfo) -> dict[str, Any]:
    """A TLS session for ``summary.json``: version, cipher, the described chain."""
    return {
        "version": tls.version,
        "cipher": tls.cipher,
        "cipher_bits": tls.cipher_bits,
        "alpn": tls.alpn,
        "verified": tls.verified,
        "chain_source": tls.chain_source,
        "chain": [describe_certificate(c) for c in tls.chain],
        "verified_chain_sha256": (
            [hashlib.sha256(c).hexdigest() for c in tls.verified_chain]
            if tls.verified_chain is not None else None
        ),
    }


def hop_json(hop: Hop) -> dict[str, Any]:
    """One hop for ``summary.json`` (headers as [name, value] pairs, in order)."""
    return {
        "method": hop.method,
        "url": hop.url,
        "status": hop.status,
        "reason": hop.reason,
        "http_version": hop.http_version,
        "started_at": iso(hop.started_at),
        "elapsed_seconds": round(hop.elapsed, 6),
        "server_ip": hop.server_ip,
        "server_port": hop.server_port,
        "request_headers": [[k, v] for k, v in hop.request_headers],
        "response_headers": [[k, v] for k, v in hop.response_headers],
        "location": hop.location,
        "body_size": len(hop.body),
        "wire_response_size": len(hop.raw_response),
        "body_sha256": hop.body_sha256,
        "tls": tls_json(hop.tls) if hop.tls else None,
    }


def build_summary(
    checked: CheckedUrl,
    result: FetchResult,
    *,
    page_title: str | None,
    charset: str | None,
    rendering: dict[str, Any],
) -> dict[str, Any]:
    """The JSON summary stored as ``summary.json`` (readable by people and programs)."""
    final = result.final
    hops = [hop_json(h) for h in result.hops]
    return {
        "format": SUMMARY_FORMAT,
        "requested_url": checked.url,
        "requested_url_display": checked.display,
        "final_url": result.final_url,
        "status": final.status,
        "reason": final.reason,
        "fetched_at": iso(result.fetched_at),
        "completed_at": iso(result.completed_at),
        "server_ip": final.server_ip,
        "server_port": final.server_port,
        "redirects": len(result.hops) - 1,
        "media_type": final.media_type,
        "charset": charset,
        "body_size": len(final.body),
        "body_sha256": final.body_sha256,
        "page_title": page_title,
        "tls": hops[-1]["tls"],  # the final hop's, described once
        "telegram": checked.telegram.to_metadata() if checked.telegram else None,
        "hops": hops,
        "rendering": rendering,
        "fetcher": {
            "user_agent": USER_AGENT,
            "accept_language": ACCEPT_LANGUAGE,
            "proxy": None,
            "http_versions_offered": ["HTTP/1.1"],
        },
        "notes": [
            "Times are UTC. Header values are shown decoded as UTF-8 (Latin-1 where not "
            "valid UTF-8); the exact bytes are in exchange.warc.gz.",
            "chain_source 'presented-chain' is the certificate list the server sent, leaf "
            "first; 'leaf-only' means only the server's own certificate could be read.",
        ],
    }


def certificates_pem(result: FetchResult) -> bytes | None:
    """The presented chains of all HTTPS hops (one block per distinct chain), or None."""
    blocks: list[tuple[TlsInfo, list[int], str]] = []
    for n, hop in enumerate(result.hops, start=1):
        if hop.tls is None or not hop.tls.chain:
            continue
        for tls, hops, _ in blocks:
            if tls.chain == hop.tls.chain:
                hops.append(n)
                break
        else:
            where = f"{hop.server_ip}:{hop.server_port}" if hop.server_ip else "?"
            blocks.append((hop.tls, [n], f"{httpx.URL(hop.url).host} ({where})"))
    if not blocks:
        return None
    out: list[str] = [
        "# EvidenceKit: TLS certificate chains presented by the servers of this link.",
        f"# Fetched at {iso(result.fetched_at)}; leaf certificate first in each chain.",
        "",
    ]
    for tls, hops, where in blocks:
        out.append(f"# Server {where}, hop(s) {', '.join(map(str, hops))}, {tls.version}, "
                   f"{'leaf only' if tls.chain_source == 'leaf-only' else 'full chain'}")
        for i, der in enumerate(tls.chain):
            info = describe_certificate(der)
            out.append(f"# [{i}] subject: {info.get('subject', '?')}")
            out.append(f"#     issuer:  {info.get('issuer', '?')}")
            out.append(f"#     valid:   {info.get('not_before', '?')} .. "
                       f"{info.get('not_after', '?')}")
            out.append(f"#     SHA-256: {info['sha256']}")
            out.append(ssl.DER_cert_to_PEM_cert(der).strip())
        out.append("")
    return ("\n".join(out) + "\n").encode("utf-8")
