"""Building attacks on a signed bundle, as a forger would (for the attack tests).

Everything works on the bytes of a real exported bundle: the holder's CMS container is
read from ``/Contents``, changed with asn1crypto (certificates, SignerInfos, unsigned
attributes) and written back in place with zero padding, the document timestamp is cut
off, new revisions are added with pyHanko, and a full forgery is made by an impostor vault
whose cover shows the victim's name and fingerprint as vector outlines (no text at all).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = [
    "contents_span",
    "read_cms",
    "write_cms",
    "signed_length",
    "cut_after_signature",
    "strip_signature_timestamp",
    "replace_signature_timestamp",
    "add_certificate",
    "duplicate_signer_info",
    "flip_certificate_byte",
    "append_document_timestamp",
    "countersign",
    "make_ca",
    "issue",
    "vector_text_pdf",
]


def contents_span(data: bytes, index: int = 0) -> tuple[int, int]:
    """Start and end (exclusive) of the hex digits of signature ``index``'s /Contents."""
    reader = PdfFileReader(io.BytesIO(data))
    sig = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)[index]
    a, b, c, _d = (int(x) for x in sig.sig_object["/ByteRange"])
    start, end = a + b, c
    assert data[start : start + 1] == b"<" and data[end - 1 : end] == b">"
    return start + 1, end - 1


def read_cms(data: bytes, index: int = 0) -> cms.ContentInfo:
    start, end = contents_span(data, index)
    raw = bytes.fromhex(data[start:end].decode("ascii"))
    length = cms.ContentInfo.load(raw, strict=False).dump()
    return cms.ContentInfo.load(raw[: len(length)])


def write_cms(data: bytes, info: cms.ContentInfo | bytes, index: int = 0) -> bytes:
    """The file with signature ``index``'s container replaced (zero padded, same size)."""
    start, end = contents_span(data, index)
    der = info if isinstance(info, bytes) else info.dump(force=True)
    digits = der.hex().encode("ascii")
    assert len(digits) <= end - start, "new container does not fit"
    return data[:start] + digits + b"0" * (end - start - len(digits)) + data[end:]


def signed_length(data: bytes, index: int = 0) -> int:
    """Length of the file as signature ``index`` signed it (end of its revision)."""
    reader = PdfFileReader(io.BytesIO(data))
    sig = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)[index]
    a, b, c, d = (int(x) for x in sig.sig_object["/ByteRange"])
    return c + d


def cut_after_signature(data: bytes) -> bytes:
    """Everything after the holder's signed revision cut off (the document timestamp)."""
    return data[: signed_length(data)]


def strip_signature_timestamp(info: cms.ContentInfo) -> cms.ContentInfo:
    signer = info["content"]["signer_infos"][0]
    signer["unsigned_attrs"] = cms.CMSAttributes([])
    out = cms.ContentInfo.load(info.dump(force=True))
    # an empty SET would still be encoded: drop the field itself
    sd = out["content"]
    si = sd["signer_infos"][0]
    si["unsigned_attrs"] = None
    return cms.ContentInfo.load(out.dump(force=True))


def replace_signature_timestamp(info: cms.ContentInfo, stamper: DummyTimeStamper
                                ) -> cms.ContentInfo:
    """The signature timestamp replaced by a fresh token of ``stamper`` over the same
    signature value (what anyone can fetch from a time-stamp authority at any time)."""
    signer = info["content"]["signer_infos"][0]
    digest = hashlib.sha256(signer["signature"].native).digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    signer["unsigned_attrs"] = cms.CMSAttributes([
        cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})
    ])
    return cms.ContentInfo.load(info.dump(force=True))


def add_certificate(info: cms.ContentInfo, cert: x509.Certificate) -> cms.ContentInfo:
    sd = info["content"]
    certs = list(sd["certificates"])
    certs.append(cms.CertificateChoices(
        name="certificate",
        value=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))))
    sd["certificates"] = cms.CertificateSet(certs)
    return cms.ContentInfo.load(info.dump(force=True))


def duplicate_signer_info(info: cms.ContentInfo) -> cms.ContentInfo:
    sd = info["content"]
    first = sd["signer_infos"][0]
    copy = cms.SignerInfo.load(first.dump())
    copy["unsigned_attrs"] = None  # small enough to fit in the padding
    sd["signer_infos"] = cms.SignerInfos([first, copy])
    return cms.ContentInfo.load(info.dump(force=True))


def flip_certificate_byte(data: bytes) -> bytes:
    """One byte changed inside the signer certificate in /Contents (in its signature
    value, so it still parses): outside the signed byte range."""
    info = read_cms(data)
    cert = info["content"]["certificates"][0].chosen.dump()
    start, end = contents_span(data)
    hexed = data[start:end]
    at = hexed.lower().find(cert.hex().encode("ascii"))
    assert at >= 0
    pos = start + at + (len(cert) - 6) * 2  # a byte in the certificate's signature
    digit = data[pos : pos + 1]
    new = b"1" if digit != b"1" else b"2"
    return data[:pos] + new + data[pos + 1 :]


def append_document_timestamp(data: bytes, stamper: DummyTimeStamper,
                              name: str = "LaterTimestamp") -> bytes:
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    signers.PdfTimeStamper(stamper, field_name=name).timestamp_pdf(writer, "sha256",
                                                                    in_place=True)
    return buf.getvalue()


def countersign(data: bytes, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
                *, name: str = "CounsellorSignature", chain: list[x509.Certificate] | None = None,
                extra: Any = None) -> bytes:
    """A counter-signature in a new revision (invisible field), as pyHanko makes it.
    ``extra(writer)``: something else the same revision changes (an attack)."""
    from evidencekit.bundle.signing import to_asn1

    asn1_key, asn1_cert = to_asn1(key, cert)
    registry = SimpleCertificateStore.from_certs([
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in chain or []])
    signer = signers.SimpleSigner(signing_cert=asn1_cert, signing_key=asn1_key,
                                  cert_registry=registry)
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    if extra is not None:
        extra(writer)
    meta = signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, in_place=True)
    return buf.getvalue()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str = "Test Support Centre Root") -> tuple[ec.EllipticCurvePrivateKey,
                                                            x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, cn: str, *,
          ca: bool = False) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A certificate issued by ``ca_cert``: a signer (default) or an intermediate CA."""
    now = datetime.now(UTC)
    key, cert = cert_between(cn, now - timedelta(days=1), now + timedelta(days=1000),
                             issuer=(ca_key, ca_cert), ca=ca)
    return key, cert


def cert_between(cn: str, start: datetime, end: datetime, *,
                 issuer: tuple[Any, x509.Certificate] | None = None, ca: bool = False,
                 time_stamping: bool = False, key: Any = None) -> tuple[Any, x509.Certificate]:
    """A certificate valid from ``start`` to ``end``: self-signed (``issuer`` None) or
    issued by ``issuer`` (key, certificate); a CA (``ca``), a time-stamp authority
    (``time_stamping``, RSA) or a document signer (EC P-256). ``key``: reuse this key."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    if key is None:
        key = (rsa.generate_private_key(public_exponent=65537, key_size=2048)
               if time_stamping else ec.generate_private_key(ec.SECP256R1()))
    name = _name(cn)
    signing_key, issuer_name = (key, name) if issuer is None else (issuer[0], issuer[1].subject)
    signs = not ca and not time_stamping
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=signs,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            signing_key.public_key()), critical=False)
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return key, builder.sign(signing_key, hashes.SHA256())


def vector_text_pdf(lines: list[str], width: float = 595.2756, height: float = 841.8898
                    ) -> bytes:
    """A one-page PDF showing ``lines`` as filled glyph outlines (paths, no text objects),
    near the top of an A4 page - for stamping over a forged cover."""
    from fontTools.pens.basePen import BasePen
    from fontTools.ttLib import TTFont
    from reportlab.pdfgen import canvas

    from evidencekit.resources import resource_path

    font = TTFont(str(resource_path("fonts", "NanumGothic.ttf")))
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    scale = 9.0 / font["head"].unitsPerEm
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(width, height))

    class Pen(BasePen):  # type: ignore[misc]
        def __init__(self, path: Any, x: float, y: float) -> None:
            super().__init__(glyphs)
            self.path, self.x, self.y = path, x, y

        def _pt(self, p: tuple[float, float]) -> tuple[float, float]:
            return self.x + p[0] * scale, self.y + p[1] * scale

        def _moveTo(self, p: tuple[float, float]) -> None:  # noqa: N802
            self.path.moveTo(*self._pt(p))

        def _lineTo(self, p: tuple[float, float]) -> None:  # noqa: N802
            self.path.lineTo(*self._pt(p))

        def _curveToOne(self, p1: Any, p2: Any, p3: Any) -> None:  # noqa: N802
            self.path.curveTo(*self._pt(p1), *self._pt(p2), *self._pt(p3))

        def _closePath(self) -> None:  # noqa: N802
            self.path.close()

    y = height - 60
    for line in lines:
        x = 40.0
        path = c.beginPath()
        for ch in line:
            name = cmap.get(ord(ch))
            if name is None:
                continue
            glyphs[name].draw(Pen(path, x, y))
            x += glyphs[name].width * scale
        c.drawPath(path, stroke=0, fill=1)
        y -= 14
    c.showPage()
    c.save()
    return out.getvalue()
