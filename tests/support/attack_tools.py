"""Attacks an adversarial examiner builds on a genuine signed bundle (for
``tests/test_attacks_examiner.py`` and ``tests/test_bundle_attacks.py``).

:func:`genuine_bundle` makes the genuine bundle both start from, :func:`verify_data` and
:func:`assert_names` check an attacked copy. Every attack function takes the bytes of a
real exported bundle and returns the attacked bytes.
Updates are written with pyHanko's incremental writer; the few raw byte edits (an object
outside any update, a hybrid cross-reference section) simulate what a hand-editing forger
does and keep every offset consistent, so that the file still parses.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
import zlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import dss

from evidencekit.bundle.verify import verify_bundle
from evidencekit.bundle.verify_report import VerifyReport, format_report
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import FakeVault, build_demo_vault, make_tsa

__all__ = [
    "genuine_bundle",
    "verify_data",
    "assert_names",
    "ca_vault",
    "resigned_with_a_fresh_key",
    "update",
    "object_outside_any_update",
    "object_hidden_in_validation_data_update",
    "timestamp_field_with_action",
    "dss_with_extras",
    "hybrid_info_override",
    "page_content_update",
    "attachment_annotation_update",
    "embedded_file_update",
    "signature_timestamp_over_other_data",
    "JS",
    "issue_leaf",
    "holder_signature_shown_twice",
    "signature_field_swap",
    "duplicate_key_update",
    "shift_last_offset",
    "annotation_list_hijack",
    "compression_bomb_update",
    "ca_bundle",
]

JS = "app.alert('This bundle was checked by the police.');"


def genuine_bundle(folder: Path, title: str) -> dict[str, Any]:
    """The genuine bundle the attacks start from, exported by the program from the demo
    vault (items 1 and 6) with a signature and a document timestamp from a test
    authority. Returns: ``path``, ``data``, ``fp`` (the holder's fingerprint),
    ``stamper`` (the authority, for further tokens), ``roots`` (the authorities' PEM the
    recipient trusts), ``tsa_pem`` (the demo vault's item-token authority), ``holder``
    (key, certificate), ``subject`` and ``holder_name``."""
    from evidencekit.bundle.export import export_bundle

    vault = build_demo_vault()
    stamper, pem = make_tsa()
    out = folder / "bundle.pdf"
    result = export_bundle(vault, out, items=[1, 6], title=title, timestamper=stamper)
    assert result.signature_timestamp and result.document_timestamp
    key, cert = vault.identity()
    return {"path": out, "data": out.read_bytes(), "fp": result.fingerprint,
            "stamper": stamper, "roots": (pem + vault.tsa_pem).encode(),
            "tsa_pem": vault.tsa_pem, "holder": (key, cert), "subject": cert.subject,
            "holder_name": cert.subject.rfc4514_string().removeprefix("CN=")}


def verify_data(data: bytes, folder: Path, genuine: Mapping[str, Any],
                name: str = "attacked.pdf", **kw: Any) -> VerifyReport:
    """Verify ``data`` as ``folder/name``, by default as the recipient of ``genuine``
    would: its authorities trusted, its holder's fingerprint expected."""
    path = folder / name
    path.write_bytes(data)
    kw.setdefault("trust_roots_pem", genuine["roots"])
    kw.setdefault("expect_fingerprint", genuine["fp"])
    return verify_bundle(path, **kw)


def assert_names(report: VerifyReport, name: str, key: str | None = None) -> None:
    """Exit 3, and a failed check ``name`` (with message ``key``) says why, in English
    and in Korean."""
    text = format_report(report, "en")
    assert report.exit_code == 3, text
    failed = [c for c in report.failures if c.name == name]
    assert failed, (name, [(c.name, c.key) for c in report.failures])
    if key is not None:
        assert key in [c.key for c in failed], [(c.name, c.key) for c in report.failures]
    assert "VERIFICATION FAILED" in text and "everything holds" not in text
    assert "bundle.verify.unexpected" not in [c.key for c in report.checks]
    ko = format_report(report, "ko")
    assert "verify_extra." not in ko and "verify_trust." not in ko  # every key translated


def _js() -> generic.DictionaryObject:
    return generic.DictionaryObject({pdf_name("/S"): pdf_name("/JavaScript"),
                                     pdf_name("/JS"): pdf_string(JS)})


def _info_ref(data: bytes) -> int:
    reader = PdfFileReader(io.BytesIO(data))
    return int(reader.trailer_view.raw_get("/Info").reference.idnum)


def update(data: bytes, change: Callable[[IncrementalPdfFileWriter], None],
           stamper: DummyTimeStamper | None = None) -> bytes:
    """An incremental update made by ``change``; with ``stamper`` a trusted document
    timestamp over it follows (so the last signature covers the whole file)."""
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf, strict=False)
    change(writer)
    if stamper is not None:
        signers.PdfTimeStamper(stamper, field_name="ExaminerStamp").timestamp_pdf(
            writer, "sha256", in_place=True)
    else:
        writer.write_in_place()
    return buf.getvalue()


def _last_startxref(data: bytes) -> bytes:
    return data[data.rindex(b"startxref"):].split()[1]


def object_outside_any_update(data: bytes) -> bytes:
    """A forged document-information object appended after the last ``%%EOF``, closed
    with ``startxref`` pointing at the old cross-references and a new ``%%EOF``: no
    update lists it, but a reader that rebuilds the cross-references finds it."""
    body = (f"\n{_info_ref(data)} 0 obj\n<< /Title (Forged) >>\nendobj\nstartxref\n"
            .encode() + _last_startxref(data) + b"\n%%EOF\n")
    return data + body


def _insert_before_last_xref(data: bytes, chunk: bytes) -> bytes:
    """``chunk`` placed just before the last classic xref section (offsets fixed)."""
    xref_at = data.rindex(b"\nxref\n") + 1
    tail_at = data.rindex(b"startxref")
    return (data[:xref_at] + chunk + data[xref_at:tail_at] + b"startxref\n"
            + str(xref_at + len(chunk)).encode() + b"\n%%EOF\n")


def object_hidden_in_validation_data_update(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """A validation-data (DSS) update that also carries an object its xref does not list,
    then a trusted document timestamp over everything."""
    sig = atk.read_cms(data)
    buf = io.BytesIO(data)
    dss.DocumentSecurityStore.add_dss(buf, sig.dump(),
                                      certs=[sig["content"]["certificates"][0].chosen])
    hidden = f"{_info_ref(data)} 0 obj\n<< /Title (Forged) >>\nendobj\n".encode()
    return update(_insert_before_last_xref(buf.getvalue(), hidden), lambda w: None, stamper)


def timestamp_field_with_action(data: bytes, stamper: DummyTimeStamper, key: str) -> bytes:
    """A document timestamp whose (invisible) field carries JavaScript: ``key`` ``"/AA"``
    runs it when the page opens, ``"/A"`` when the field is activated."""
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    fields.append_signature_field(writer, fields.SigFieldSpec("ExaminerStamp", on_page=0))
    for value in writer.root["/AcroForm"]["/Fields"]:
        field = value.get_object()
        if field.get("/T") == "ExaminerStamp":
            field[pdf_name(key)] = (generic.DictionaryObject({pdf_name("/PO"): _js()})
                                    if key == "/AA" else _js())
            writer.update_container(field)
    signers.PdfTimeStamper(stamper, field_name="ExaminerStamp").timestamp_pdf(
        writer, "sha256", in_place=True)
    return buf.getvalue()


def dss_with_extras(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """Validation data whose DSS dictionary also holds a JavaScript action and a reference
    to the page tree, then a trusted document timestamp."""
    sig = atk.read_cms(data)
    buf = io.BytesIO(data)
    dss.DocumentSecurityStore.add_dss(buf, sig.dump(),
                                      certs=[sig["content"]["certificates"][0].chosen])

    def change(writer: IncrementalPdfFileWriter) -> None:
        store = writer.root["/DSS"]
        store[pdf_name("/JS")] = _js()
        store[pdf_name("/Pages")] = writer.root.raw_get("/Pages")
        writer.update_container(store)

    return update(buf.getvalue(), change, stamper)


def _raw_string(value: object) -> bytes:
    """The bytes of a PDF string object (pyHanko decodes some as text)."""
    raw = getattr(value, "original_bytes", None)
    if isinstance(raw, bytes):
        return raw
    return value if isinstance(value, bytes) else str(value).encode("latin-1")


def duplicate_key_update(data: bytes, which: str, key: str, value: str) -> bytes:
    """An update that writes object ``which`` (``"info"`` or ``"page"``: the second page)
    again with every original entry first and ``key value`` defined a second time after
    them (raw bytes, one object and one xref section)."""
    reader = PdfFileReader(io.BytesIO(data))
    if which == "info":
        ref = reader.trailer_view.raw_get("/Info").reference
    else:
        ref = reader.root["/Pages"]["/Kids"].raw_get(1).reference
    original = io.BytesIO()
    reader.get_object(ref).write_to_stream(original, None)
    written = original.getvalue().rstrip()
    assert written.endswith(b">>")
    body = (f"\n{ref.idnum} 0 obj\n".encode() + written[:-2]
            + f" {key} {value} >>\nendobj\n".encode())
    prev = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    ids = "".join(f"<{_raw_string(x).hex()}>" for x in reader.trailer_view["/ID"])
    xref_at = len(data) + len(body)
    table = (f"xref\n0 1\n0000000000 65535 f \n{ref.idnum} 1\n{len(data) + 1:010d} 00000 n \n"
             f"trailer\n<< /Size {int(reader.trailer_view['/Size'])} "
             f"/Root {reader.root_ref.idnum} 0 R "
             f"/Info {reader.trailer_view.raw_get('/Info').reference.idnum} 0 R "
             f"/ID [{ids}] /Prev {prev} >>\nstartxref\n{xref_at}\n%%EOF\n").encode()
    return data + body + table


def shift_last_offset(data: bytes, by: int = -1) -> bytes:
    """The first in-use entry of the last (classic) xref section moved by ``by`` bytes: a
    lenient reader still finds the object, a strict viewer rebuilds the cross-references
    by scanning the file."""
    import re

    at = data.rindex(b"\nxref\n") + 1
    section = data[at:]
    entry = re.search(rb"\n(\d{10}) 00000 n", section)
    assert entry is not None
    moved = f"{int(entry.group(1)) + by:010d}".encode()
    return data[:at] + section[: entry.start(1)] + moved + section[entry.end(1):]


def hybrid_info_override(data: bytes) -> bytes:
    """An update whose classic xref lists nothing, with a hybrid ``/XRefStm`` stream that
    redefines the document information (viewers read it: the title changes)."""
    reader = PdfFileReader(io.BytesIO(data))
    prev = reader.xrefs.get_startxref_for_revision(reader.xrefs.total_revisions - 1)
    size = int(reader.trailer_view["/Size"])
    ids = "".join(f"<{_raw_string(x).hex()}>" for x in reader.trailer_view["/ID"])
    info = _info_ref(data)
    obj = f"\n{info} 0 obj\n<< /Title (Forged by a hybrid xref) >>\nendobj\n".encode()
    obj_at = len(data) + 1
    row = b"\x01" + struct.pack(">I", obj_at) + b"\x00\x00"
    stream_at = len(data) + len(obj)
    stream = (f"{size} 0 obj\n<< /Type /XRef /Size {size + 1} /W [1 4 2] /Index [{info} 1] "
              f"/Length {len(row)} >>\nstream\n").encode() + row + b"\nendstream\nendobj\n"
    xref_at = stream_at + len(stream)
    table = (f"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size {size + 1} "
             f"/Root {reader.root_ref.idnum} 0 R /Info {info} 0 R /ID [{ids}] /Prev {prev} "
             f"/XRefStm {stream_at} >>\nstartxref\n{xref_at}\n%%EOF\n").encode()
    return data + obj + stream + table


def holder_signature_shown_twice(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """A second signature field whose value is the holder's own signature (two revisions
    both claiming a valid signature), then a trusted document timestamp."""
    def change(writer: IncrementalPdfFileWriter) -> None:
        form = writer.root["/AcroForm"]
        value = form["/Fields"][0].get_object().raw_get("/V")
        page_ref = writer.root["/Pages"]["/Kids"][0]
        ref = writer.add_object(generic.DictionaryObject({
            pdf_name("/FT"): pdf_name("/Sig"), pdf_name("/T"): pdf_string("HolderAgain"),
            pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/F"): generic.NumberObject(132), pdf_name("/P"): page_ref,
            pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(0)] * 4),
            pdf_name("/V"): value}))
        form["/Fields"].append(ref)
        writer.update_container(form)
        page = page_ref.get_object()
        annots = page.get("/Annots", generic.ArrayObject())
        annots.append(ref)
        page[pdf_name("/Annots")] = annots
        writer.update_container(page)

    return update(data, change, stamper)


def signature_field_swap(data: bytes, key: ec.EllipticCurvePrivateKey,
                         cert: x509.Certificate) -> bytes:
    """For the manual route: the holder's field renamed, a forger's signature field named
    like the holder's put first in the form, and the forger's signature over the whole file
    - ``pdfsig`` then lists the forger's as signature #1, "Total document signed"."""
    from evidencekit.bundle.signing import to_asn1

    asn1_key, asn1_cert = to_asn1(key, cert)
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    holder = writer.root["/AcroForm"]["/Fields"][0].get_object()
    name = str(holder["/T"])
    holder[pdf_name("/T")] = pdf_string("Superseded")
    writer.update_container(holder)
    fields.append_signature_field(writer, fields.SigFieldSpec(name, on_page=0))
    form = writer.root["/AcroForm"]
    listed = form["/Fields"]
    last = listed.raw_get(len(listed) - 1)
    del listed[len(listed) - 1]
    listed.insert(0, last)
    writer.update_container(form)
    meta = signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    signers.PdfSigner(meta, signer=signers.SimpleSigner(
        signing_cert=asn1_cert, signing_key=asn1_key, cert_registry=None)).sign_pdf(
        writer, in_place=True)
    return buf.getvalue()


def annotation_list_hijack(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """Page 2's annotation list pointed at the catalog's ``/AF`` array (the PDF/A list of
    attached originals), which is emptied and then holds only the new timestamp field: the
    change to ``/AF`` hides as a growing annotation list."""
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    af_ref = writer.root.raw_get("/AF")
    af = af_ref.get_object()
    while len(af):
        del af[0]
    writer.update_container(af)
    page = writer.root["/Pages"]["/Kids"][1].get_object()
    page[pdf_name("/Annots")] = af_ref
    writer.update_container(page)
    fields.append_signature_field(writer, fields.SigFieldSpec("ExaminerStamp", on_page=1))
    signers.PdfTimeStamper(stamper, field_name="ExaminerStamp").timestamp_pdf(
        writer, "sha256", in_place=True)
    return buf.getvalue()


def page_content_update(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """Text drawn over the cover by a content stream added to the page in an update."""
    def change(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][0].get_object()
        ref = writer.add_object(generic.StreamObject(
            stream_data=b"BT /F1 24 Tf 100 100 Td (FORGED) Tj ET"))
        raw = page.raw_get("/Contents")
        old = list(raw) if isinstance(raw, generic.ArrayObject) else [raw]
        page[pdf_name("/Contents")] = generic.ArrayObject([*old, ref])
        writer.update_container(page)

    return update(data, change, stamper)


def attachment_annotation_update(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """A file-attachment annotation (a new 'original') added to page 2 in an update."""
    def change(writer: IncrementalPdfFileWriter) -> None:
        page = writer.root["/Pages"]["/Kids"][1].get_object()
        spec = FileSpec(file_spec_string="001-original.jpg",
                        embedded_data=EmbeddedFileObject.from_file_data(writer, b"forged"))
        annot = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FileAttachment"),
            pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v)
                                                    for v in (50, 50, 70, 70)]),
            pdf_name("/FS"): spec.as_pdf_object()})
        page[pdf_name("/Annots")] = generic.ArrayObject([writer.add_object(annot)])
        writer.update_container(page)

    return update(data, change, stamper)


def embedded_file_update(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """A new attachment added to the name tree in an update."""
    def change(writer: IncrementalPdfFileWriter) -> None:
        embed_file(writer, FileSpec(
            file_spec_string="099-extra.jpg",
            embedded_data=EmbeddedFileObject.from_file_data(writer, b"forged evidence")))

    return update(data, change, stamper)


def compression_bomb_update(data: bytes, stamper: DummyTimeStamper, megabytes: int) -> bytes:
    """An attachment of ``megabytes`` MiB of zero bytes, Flate-compressed (about a
    thousandth of that in the file), added in an update - compressed chunk by chunk, so
    the test never holds the inflated data."""
    squeeze = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    packed = b"".join(squeeze.compress(chunk) for _ in range(megabytes)) + squeeze.flush()

    def change(writer: IncrementalPdfFileWriter) -> None:
        stream = EmbeddedFileObject(writer, dict_data=generic.DictionaryObject({
            pdf_name("/Filter"): pdf_name("/FlateDecode")}), encoded_data=packed)
        embed_file(writer, FileSpec(file_spec_string="bomb.bin", embedded_data=stream))

    return update(data, change, stamper)


def signature_timestamp_over_other_data(data: bytes, stamper: DummyTimeStamper) -> bytes:
    """The holder's signature timestamp replaced by a genuine token of a trusted
    authority over other data (document timestamp cut off, or it would break first)."""
    cut = atk.cut_after_signature(data)
    info = atk.read_cms(cut)
    token = asyncio.run(stamper.async_timestamp(hashlib.sha256(b"other").digest(), "sha256"))
    info["content"]["signer_infos"][0]["unsigned_attrs"] = cms.CMSAttributes([
        cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]})])
    return atk.write_cms(cut, cms.ContentInfo.load(info.dump(force=True)))


def issue_leaf(ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, cn: str, *,
               signing: bool = True, web_server: bool = False, expired: bool = False
               ) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A certificate issued by ``ca_cert``: a document signer (default), one whose key
    usage forbids signatures (``signing=False``), a web server's (``web_server``), or one
    that expired two days ago."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    start, end = ((now - timedelta(days=30), now - timedelta(days=2)) if expired
                  else (now - timedelta(days=1), now + timedelta(days=100)))
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=signing, content_commitment=signing,
                                     key_encipherment=not signing or web_server,
                                     data_encipherment=False, key_agreement=False,
                                     key_cert_sign=False, crl_sign=False, encipher_only=False,
                                     decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
    )
    if web_server:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def resigned_with_a_fresh_key(data: bytes, holder_name: str) -> bytes:
    """The unsigned original of a bundle (its first revision: genuine manifest, genuine
    ``signer-certificate.pem`` attached) signed again by the program's own signing code
    with a fresh key under ``holder_name``."""
    from evidencekit.bundle import signing
    from tests.support.bundle_fake import make_identity

    unsigned = data[: data.index(b"%%EOF") + 6]
    key, cert = make_identity(holder_name)
    buf = io.BytesIO(unsigned)
    signing.sign_in_place(buf, key, cert)
    return buf.getvalue()


def ca_vault(key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
             chain: tuple[x509.Certificate, ...] = ()) -> FakeVault:
    """A vault with one file whose identity is ``cert`` (issued by a CA); its export's CMS
    carries ``chain`` (what ``identity_chain`` answers)."""
    vault = FakeVault()
    vault._key, vault._cert = key, cert  # noqa: SLF001 - the test identity
    vault.identity_chain = lambda: chain  # type: ignore[attr-defined]
    vault.add("file", "file", "a.txt", [("a.txt", "text/plain", b"evidence")])
    return vault


def ca_bundle(out: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate,
              chain: tuple[x509.Certificate, ...] = ()) -> Path:
    """A bundle exported by the program from :func:`ca_vault`."""
    from evidencekit.bundle.export import export_bundle

    export_bundle(ca_vault(key, cert, chain), out)
    return out


# --- round 2: certificates and time-stamp authorities with chosen validity dates ---------

cert_between = atk.cert_between


def tsa_under_root(start: datetime, end: datetime, when: datetime
                   ) -> tuple[DummyTimeStamper, str]:
    """A time-stamp authority whose certificate (valid ``start`` to ``end``) a TSA root
    (valid 2020 to ten years from now) issued; its tokens carry ``when``. Returns the
    stamper and the root's PEM (what the recipient trusts)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    root_key, root = cert_between("Trusted TSA Root", datetime(2020, 1, 1, tzinfo=UTC),
                                  datetime.now(UTC) + timedelta(days=3650), ca=True)
    key, cert = cert_between("Trusted TSA Unit 7", start, end, issuer=(root_key, root),
                             time_stamping=True)

    def der(c: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    stamper = DummyTimeStamper(tsa_cert=der(cert), tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
                               certs_to_embed=SimpleCertificateStore.from_certs([der(root)]),
                               fixed_dt=when)
    return stamper, root.public_bytes(serialization.Encoding.PEM).decode("ascii")


def export_signed(out: Path, key: Any, cert: x509.Certificate, chain: tuple[x509.Certificate, ...],
                  stamper: DummyTimeStamper | None, when: datetime | None) -> Path:
    """The program's export of :func:`ca_vault` signed by ``cert`` with the clock at
    ``when`` (None: the real clock), signature timestamp from ``stamper`` (None: none)."""
    from unittest import mock

    from evidencekit.bundle import export as export_module

    with mock.patch.object(export_module, "now_utc",
                           (lambda: when) if when else export_module.now_utc):
        export_module.export_bundle(ca_vault(key, cert, chain), out, timestamper=stamper)
    return out


def countersign_as(data: bytes, key: Any, cert: x509.Certificate, *, name: str,
                   box: tuple[int, int, int, int] | None = None, reserve: int = 32768) -> bytes:
    """A counter-signature as pyHanko makes it, in field ``name``; ``box``: visible on
    the first page there; ``reserve``: bytes reserved for its container (room for another
    signature's container to be moved in)."""
    from evidencekit.bundle.signing import to_asn1

    asn1_key, asn1_cert = to_asn1(key, cert)
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    meta = signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    spec = fields.SigFieldSpec(name, on_page=0, box=box) if box is not None else None
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(signing_cert=asn1_cert, signing_key=asn1_key,
                                  cert_registry=SimpleCertificateStore())
    signers.PdfSigner(meta, signer=signer,
                      new_field_spec=spec).sign_pdf(writer, in_place=True,
                                                    bytes_reserved=reserve)
    return buf.getvalue()


def rename_signature_field(data: bytes, old: str, new: str,
                           stamper: DummyTimeStamper | None) -> bytes:
    """An update that renames the signature field ``old`` to ``new`` (the holder's
    signature dressed as a counter-signature), a document timestamp over it."""
    def change(writer: IncrementalPdfFileWriter) -> None:
        for ref in writer.root["/AcroForm"]["/Fields"]:
            field = ref.get_object()
            if str(field.get("/T")) == old:
                field[pdf_name("/T")] = pdf_string(new)
                writer.update_container(field)
                return
        raise AssertionError(f"no field {old}")

    return update(data, change, stamper)


def with_crl_in_dss(data: bytes, ca_key: Any, ca_cert: x509.Certificate,
                    revoked: x509.Certificate, when: datetime, issued: datetime) -> bytes:
    """The CA's CRL (issued at ``issued``) listing ``revoked`` as revoked at ``when``,
    appended to the bundle's validation data (DSS) as anyone may append it."""
    from asn1crypto import crl as asn1_crl
    from cryptography.hazmat.primitives import serialization

    crl = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
           .last_update(issued).next_update(issued + timedelta(days=3650))
           .add_revoked_certificate(x509.RevokedCertificateBuilder()
                                    .serial_number(revoked.serial_number)
                                    .revocation_date(when).build())
           .add_extension(x509.CRLNumber(1), critical=False)
           .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
               ca_key.public_key()), critical=False)
           .sign(ca_key, hashes.SHA256()))
    buf = io.BytesIO(data)
    dss.DocumentSecurityStore.add_dss(
        buf, None, crls=[asn1_crl.CertificateList.load(
            crl.public_bytes(serialization.Encoding.DER))], force_write=True)
    return buf.getvalue()


def countersign_with_action(data: bytes, key: Any, cert: x509.Certificate, where: str) -> bytes:
    """A counter-signature whose own revision carries JavaScript: on its field (``where``
    ``"/AA"`` when the page opens, ``"/A"`` when activated) or as the document's
    ``"/OpenAction"``."""
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from evidencekit.bundle.signing import to_asn1

    name = "EvidenceKitCountersignature"
    buf = io.BytesIO(data)
    writer = IncrementalPdfFileWriter(buf)
    fields.append_signature_field(writer, fields.SigFieldSpec(name, on_page=0))
    if where == "/OpenAction":
        writer.root[pdf_name("/OpenAction")] = _js()
        writer.update_root()
    else:
        for value in writer.root["/AcroForm"]["/Fields"]:
            field = value.get_object()
            if field.get("/T") == name:
                field[pdf_name(where)] = (generic.DictionaryObject({pdf_name("/PO"): _js()})
                                          if where == "/AA" else _js())
                writer.update_container(field)
    asn1_key, asn1_cert = to_asn1(key, cert)
    signer = signers.SimpleSigner(signing_cert=asn1_cert, signing_key=asn1_key,
                                  cert_registry=SimpleCertificateStore())
    meta = signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                        subfilter=fields.SigSeedSubFilter.PADES)
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, in_place=True)
    return buf.getvalue()
