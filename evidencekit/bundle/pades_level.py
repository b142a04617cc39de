"""Which PAdES baseline level a signed bundle reaches, and when to renew it.

:func:`pades_level` reads the structure (it does not decide trust: the verifier does):

* **B-B** — a ``/ETSI.CAdES.detached`` signature;
* **B-T** — plus a signature timestamp (or a document timestamp after the signature);
* **B-LT** — plus a document security store (DSS) holding the signer's certificate and
  the certificate of every time-stamp authority used before the newest timestamp (and of
  the first document timestamp's authority when there is no signature timestamp), and
  revocation data for every certificate that names an OCSP or CRL address (a
  self-signed certificate has none and needs none);
* **B-LTA** — plus a document timestamp in or after the revision that added the DSS.

It also says when the newest archive (document) timestamp's authority certificate
expires: the bundle must be renewed (``evidencekit renew``) before then.
:func:`add_level_check` puts the result into a verify report as one informational check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from asn1crypto import cms, crl, ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import NonexistentAttributeError, find_unique_cms_attribute
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import ValidationInfoReadingError

from evidencekit.bundle.ltv import cert_name, has_revinfo

__all__ = ["PadesLevel", "pades_level", "add_level_check", "LEVELS"]

log = logging.getLogger(__name__)

LEVELS = ("none", "B-B", "B-T", "B-LT", "B-LTA")
_PADES = "/ETSI.CAdES.detached"
_READ_ERRORS = (KeyError, ValueError, TypeError, IndexError, AttributeError, OSError,
                ValidationInfoReadingError)


@dataclass(frozen=True)
class PadesLevel:
    """The level reached and what it rests on.

    ``revocation``: ``self_signed`` (signer is its own root: nothing to revoke),
    ``embedded`` (every certificate naming an OCSP/CRL address has data in the DSS),
    ``none_published`` (no certificate names an address), ``missing`` (some do, no data)
    or ``no_dss``.
    """

    level: str
    signature_timestamp: bool = False
    dss: bool = False
    dss_certificates: int = 0
    dss_ocsp: int = 0
    dss_crls: int = 0
    archive_timestamps: int = 0
    newest_archive_time: datetime | None = None
    archive_expires: datetime | None = None
    archive_tsa: str | None = None
    revocation: str = "no_dss"
    missing_certificates: tuple[str, ...] = ()
    missing_revocation: tuple[str, ...] = field(default_factory=tuple)

    def public(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "signature_timestamp": self.signature_timestamp,
            "dss": self.dss,
            "dss_certificates": self.dss_certificates,
            "dss_ocsp": self.dss_ocsp,
            "dss_crls": self.dss_crls,
            "archive_timestamps": self.archive_timestamps,
            "newest_archive_time": _iso(self.newest_archive_time),
            "archive_expires": _iso(self.archive_expires),
            "archive_tsa": self.archive_tsa,
            "revocation": self.revocation,
            "missing_certificates": list(self.missing_certificates),
            "missing_revocation": list(self.missing_revocation),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _signature_token(signer_info: cms.SignerInfo) -> cms.SignedData | None:
    try:
        token = find_unique_cms_attribute(signer_info["unsigned_attrs"],
                                          "signature_time_stamp_token")
    except (NonexistentAttributeError, KeyError, ValueError):
        return None
    content = token["content"]
    return content if isinstance(content, cms.SignedData) else None


def _first_dss_revision(reader: PdfFileReader) -> int | None:
    for rev in range(reader.xrefs.total_revisions):
        if "/DSS" in reader.get_historical_root(rev):
            return rev
    return None


def _token_signer(signed_data: cms.SignedData) -> asn1_x509.Certificate | None:
    try:
        sid = signed_data["signer_infos"][0]["sid"]
        certs = [c.chosen for c in signed_data["certificates"] or []
                 if isinstance(c.chosen, asn1_x509.Certificate)]
    except _READ_ERRORS:
        return None
    for cert in certs:
        if sid.name == "issuer_and_serial_number":
            if (cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native):
                return cert
        elif cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _issuer_in(cert: asn1_x509.Certificate, pool: list[asn1_x509.Certificate]
               ) -> asn1_x509.Certificate | None:
    for cand in pool:
        if cand.subject == cert.issuer and cand.dump() != cert.dump():
            return cand
    return None


def pades_level(reader: PdfFileReader) -> PadesLevel:
    """The PAdES baseline level of the first ``/Sig`` signature in ``reader``.

    Structure only: whether the signature, timestamps and chains are intact and trusted
    is the verifier's job (a bundle whose signature fails has no level worth reporting).
    Never raises for a malformed file: it answers ``none`` or the level it could confirm.
    """
    try:
        sigs = reader.embedded_signatures
    except _READ_ERRORS:
        return PadesLevel("none")
    regular = [s for s in sigs if s.sig_object_type == "/Sig"]
    if not regular:
        return PadesLevel("none")
    sig = regular[0]
    try:
        subfilter = str(sig.sig_object.get("/SubFilter"))
    except _READ_ERRORS:
        subfilter = ""
    if subfilter != _PADES:
        return PadesLevel("none")
    stamps = [s for s in sigs if s.sig_object_type == "/DocTimeStamp"
              and s.signed_revision > sig.signed_revision]
    sig_token = _signature_token(sig.signer_info)
    if sig_token is None and not stamps:
        return PadesLevel("B-B")
    newest = stamps[-1] if stamps else None
    newest_time = expires = None
    tsa_name = None
    if newest is not None:
        try:
            tst = newest.signed_data["encap_content_info"]["content"].parsed
            newest_time = tst["gen_time"].native
            cert = newest.signer_cert
            expires = cert["tbs_certificate"]["validity"]["not_after"].native
            tsa_name = cert_name(cert)
        except _READ_ERRORS:
            log.info("newest archive timestamp could not be read")
    base = PadesLevel("B-T", signature_timestamp=sig_token is not None,
                      archive_timestamps=len(stamps), newest_archive_time=newest_time,
                      archive_expires=expires, archive_tsa=tsa_name)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        dss_rev = _first_dss_revision(reader)
    except _READ_ERRORS:
        dss, dss_rev = None, None
    if dss is None or dss_rev is None:
        return base
    try:
        dss_certs = list(dss.load_certs())
        ocsps = [ocsp.OCSPResponse.load(r.get_object().data) for r in dss.ocsps]
        crls = [crl.CertificateList.load(r.get_object().data) for r in dss.crls]
    except _READ_ERRORS:
        log.info("the DSS could not be read")
        return base
    pool = dss_certs + [sig.signer_cert]
    # what must be in the DSS: the signer, the signature TSA, every archive TSA but the
    # newest (its data comes with the next renewal), each with the issuers found
    needed: list[asn1_x509.Certificate] = [sig.signer_cert]
    if sig_token is not None:
        ts_cert = _token_signer(sig_token)
        if ts_cert is not None:
            needed.append(ts_cert)
    needed.extend(s.signer_cert for s in stamps[:-1])
    if sig_token is None and stamps:
        # the first document timestamp stands in for the signature timestamp (B-T): its
        # authority's chain must be in the DSS too, under a later archive timestamp
        needed.append(stamps[0].signer_cert)
    chain: list[asn1_x509.Certificate] = []
    for cert in needed:
        cur: asn1_x509.Certificate | None = cert
        depth = 0
        while cur is not None and depth < 10:
            if not any(c.dump() == cur.dump() for c in chain):
                chain.append(cur)
            if cur.self_issued:
                break
            cur = _issuer_in(cur, pool)
            depth += 1
    dumps = {c.dump() for c in dss_certs}
    missing_certs = tuple(cert_name(c) for c in chain if c.dump() not in dumps)
    wants = [c for c in chain if not c.self_issued
             and (c.ocsp_urls or c.crl_distribution_points)]
    missing_rev = tuple(cert_name(c) for c in wants
                        if not has_revinfo(c, ocsps, crls))
    if missing_rev:
        revocation = "missing"
    elif sig.signer_cert.self_issued and not wants:
        revocation = "self_signed"
    elif wants:
        revocation = "embedded"
    else:
        revocation = "none_published"
    lt = not missing_certs and not missing_rev
    lta = lt and any(s.signed_revision >= dss_rev for s in stamps)
    level = "B-LTA" if lta else ("B-LT" if lt else "B-T")
    return replace(base, level=level, dss=True, dss_certificates=len(dss_certs),
                   dss_ocsp=len(ocsps), dss_crls=len(crls), revocation=revocation,
                   missing_certificates=missing_certs, missing_revocation=missing_rev)


def add_level_check(reader: PdfFileReader, report: Any) -> PadesLevel:
    """Add informational checks to a verify report (anything with ``add(name, ok, key,
    **params)``): ``pades.level`` (the level and what the revocation data rests on) and,
    when there is an archive timestamp, ``pades.archive`` (when to renew)."""
    found = pades_level(reader)
    report.add("pades.level", None, f"pades.level.{found.revocation}", level=found.level,
               certificates=found.dss_certificates, ocsp=found.dss_ocsp, crls=found.dss_crls,
               missing=", ".join(found.missing_revocation or found.missing_certificates))
    if found.archive_expires is not None:
        report.add("pades.archive", None, "pades.archive", count=found.archive_timestamps,
                   time=_utc(found.newest_archive_time),
                   expires=found.archive_expires.date().isoformat(),
                   tsa=found.archive_tsa or "?")
    return found
