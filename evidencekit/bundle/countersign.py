"""Counter-signing a bundle: a counsellor adds their own PAdES signature, as a second
signature field in an incremental update, so the holder's signature stays valid (it then
covers an earlier revision, which every PDF validator reports as such).

The bundle is checked first: every signature and document timestamp already in it must be
intact, so nobody counter-signs a file that was changed after it was signed. The result is
written to a new file (temp file, fsync, rename); the input is never modified.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.validation import (
    ValidationContext,
    validate_pdf_signature,
    validate_pdf_timestamp,
)
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureStatus

from evidencekit.bundle.signing import _tsa_errors as tsa_errors  # shared with export
from evidencekit.bundle.signing import make_signer
from evidencekit.errors import InputError, IntegrityError
from evidencekit.vault.atomic import fsync_dir, storage_error

__all__ = ["COUNTERSIGN_FIELD", "COUNTERSIGN_REASON", "Countersigned", "countersign"]

log = logging.getLogger(__name__)

#: Name of the counter-signature field; a second one gets ``-2``, and so on.
COUNTERSIGN_FIELD = "EvidenceKitCountersignature"
COUNTERSIGN_REASON = "EvidenceKit counter-signature"


@dataclass(frozen=True)
class Countersigned:
    """The written file, its SHA-256, the input's SHA-256, the new field's name, and whether
    the counter-signature got a signature timestamp."""

    path: Path
    sha256: str
    input_sha256: str
    field_name: str
    timestamped: bool = False


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextlib.contextmanager
def _quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs its findings as warnings with tracebacks; ours are the messages."""
    logger = logging.getLogger("pyhanko")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _existing_fields(path: Path, shown: Path) -> list[str]:
    """Names of the signature fields already signed; refuses a file whose signatures do not
    hold or that was changed after them beyond adding signatures, timestamps and
    validation data (pyHanko's difference analysis)."""
    with path.open("rb") as fh, _quiet_pyhanko():
        try:
            reader = PdfFileReader(fh, strict=False)
            sigs = list(reader.embedded_signatures)
        except (PdfError, ValueError, KeyError, TypeError, OSError) as exc:
            raise InputError("identity.countersign_not_pdf", path=str(shown)) from exc
        if not sigs:
            raise InputError("identity.countersign_unsigned", path=str(shown))
        names = []
        for sig in sigs:
            status: SignatureStatus
            try:
                # Integrity only: the certificates in the signature serve as their own
                # anchors (whether the signer is trusted is the recipient's question).
                anchors = ValidationContext(
                    trust_roots=[sig.signer_cert, *sig.other_embedded_certs],
                    allow_fetching=False)
                if sig.sig_object_type == "/DocTimeStamp":
                    status = validate_pdf_timestamp(sig, validation_context=anchors)
                else:
                    status = validate_pdf_signature(sig, signer_validation_context=anchors)
                level = getattr(status, "modification_level", None)
                ok = bool(status.intact and status.valid) and status.docmdp_ok is not False \
                    and (level is None or level <= ModificationLevel.FORM_FILLING)
            except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
                log.info("existing signature could not be checked: %s", type(exc).__name__)
                ok = False
            if not ok:
                raise IntegrityError("identity.countersign_broken", field=sig.field_name)
            names.append(sig.field_name)
        return names


def _field_name(existing: Sequence[str]) -> str:
    name, n = COUNTERSIGN_FIELD, 1
    while name in existing:
        n += 1
        name = f"{COUNTERSIGN_FIELD}-{n}"
    return name


def _sign_in_place(tmp: Path, size: int, meta: signers.PdfSignatureMetadata,
                   signer: signers.SimpleSigner, timestamper: TimeStamper | None) -> None:
    with tmp.open("r+b") as fh:
        fh.truncate(size)  # a failed attempt with a timestamp leaves nothing behind
        writer = IncrementalPdfFileWriter(fh)
        signers.PdfSigner(meta, signer=signer, timestamper=timestamper).sign_pdf(
            writer, in_place=True)
        fh.flush()
        os.fsync(fh.fileno())


def countersign(bundle: Path, out: Path, key: ec.EllipticCurvePrivateKey,
                cert: x509.Certificate, chain: Sequence[x509.Certificate] = (), *,
                signer_name: str | None = None,
                timestamper: TimeStamper | None = None) -> Countersigned:
    """Write ``out``: ``bundle`` with an added PAdES signature by ``key``/``cert``; with a
    ``timestamper`` the counter-signature gets a signature timestamp (PAdES B-T), and when
    the time-stamp authority cannot be reached it is made without (see ``timestamped``).

    Runs pyHanko through ``asyncio.run``: call it from a worker thread, never from a thread
    that is running an asyncio event loop.

    :raises InputError: not a PDF, no signature in it, ``out`` is the input.
    :raises IntegrityError: a signature already in the bundle does not hold.
    :raises StorageError: ``out`` could not be written (nothing left behind).
    """
    bundle, out = Path(bundle), Path(out)
    if not bundle.is_file():
        raise InputError("identity.file_missing", path=str(bundle))
    if out.exists() and out.resolve() == bundle.resolve():
        raise InputError("identity.countersign_same_file")
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    try:
        # Everything below works on one copy: what is checked is what is hashed and signed.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600)  # evidence: readable by the owner only, like an exported bundle
        with os.fdopen(fd, "wb") as dst, bundle.open("rb") as src:
            shutil.copyfileobj(src, dst, 1 << 20)
        existing = _existing_fields(tmp, bundle)
        input_sha = _sha256(tmp)
        size = tmp.stat().st_size
        meta = signers.PdfSignatureMetadata(
            field_name=_field_name(existing), md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES, reason=COUNTERSIGN_REASON,
            name=signer_name)
        signer = make_signer(key, cert, chain)
        stamped = False
        if timestamper is not None:
            try:
                _sign_in_place(tmp, size, meta, signer, timestamper)
                stamped = True
            except tsa_errors() as exc:
                log.warning("time-stamp authority unavailable, counter-signing without (%s)",
                            type(exc).__name__)
        if not stamped:
            _sign_in_place(tmp, size, meta, signer, None)
        os.replace(tmp, out)
        fsync_dir(out.parent)
    except OSError as exc:
        raise storage_error(exc, out) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    log.info("bundle counter-signed")
    return Countersigned(path=out, sha256=_sha256(out), input_sha256=input_sha,
                         field_name=str(meta.field_name), timestamped=stamped)
