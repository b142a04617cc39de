"""Embedding the bundle's files in the PDF (pyHanko), and reading them back.

:func:`assemble` copies the (PDF/A-prepared) layout into a fresh pyHanko writer, adds
every attachment to the document's ``/EmbeddedFiles`` name tree (sorted) as a PDF/A-3
associated file: MIME ``/Subtype``, ``/Params`` with ``/Size``, ``/CheckSum`` (MD5) and
``/ModDate``, a description, an ``/AFRelationship`` (``/Source`` for originals, ``/Data``
for the manifest, certificates and tokens) and an entry in the catalogue's ``/AF`` array.
It writes the result as a single revision with a PDF 1.7 header (pyHanko would announce
2.0 for ``/AF``, which PDF/A-3 takes from ISO 19005-3 instead); the signature is then
added as the second revision.

:func:`embedded_files` reads the attachments of a bundle for verification. It treats the
PDF as hostile: the name tree is walked with depth and count limits, and stream decoding
is bounded by pyHanko's decode limits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic, misc
from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec, embed_file
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

from evidencekit.bundle.pdfa import PDF_VERSION
from evidencekit.model import Progress

__all__ = [
    "Attachment",
    "EmbeddedFile",
    "REL_SOURCE",
    "REL_DATA",
    "REL_SUPPLEMENT",
    "assemble",
    "embedded_files",
    "is_compressible",
]

log = logging.getLogger(__name__)

REL_SOURCE = "/Source"
REL_DATA = "/Data"
REL_SUPPLEMENT = "/Supplement"

_MAX_TREE_DEPTH = 16
_MAX_FILES = 100_000
_COMPRESSIBLE = (
    "text/",
    "application/json",
    "application/xml",
    "application/x-pem-file",
    "application/pem-certificate-chain",
    "application/xhtml+xml",
    "application/javascript",
    "application/warc",
    "image/svg+xml",
    "image/bmp",
    "image/tiff",
)


def is_compressible(media_type: str) -> bool:
    """True for types that Deflate shrinks (text, JSON, raw bitmaps); not for PNG, JPEG, …"""
    mt = media_type.lower().split(";", 1)[0].strip()
    return any(mt == c or (c.endswith("/") and mt.startswith(c)) for c in _COMPRESSIBLE)


@dataclass
class Attachment:
    """A file to embed: its safe name, bytes, MIME type, description and relationship."""

    name: str
    data: bytes
    media_type: str
    description: str
    relationship: str = REL_SOURCE


def assemble(
    layout_pdf: bytes,
    attachments: Sequence[Attachment],
    out: BinaryIO,
    *,
    modified: datetime | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the layout plus every attachment to ``out`` as one PDF revision.

    Names must be unique ASCII (the exporter's :class:`~.manifest.NameAllocator` gives
    them). The ``/EmbeddedFiles`` name tree is flat and sorted by name, as PDF requires.
    ``modified`` (aware) is recorded as every file's ``/Params /ModDate``.
    """
    names = [a.name for a in attachments]
    if len(set(names)) != len(names):
        raise ValueError("attachment names must be unique")
    reader = PdfFileReader(BytesIO(layout_pdf), strict=False)
    writer = copy_into_new_writer(reader)
    ordered = sorted(attachments, key=lambda a: a.name.encode("ascii"))
    total = len(ordered)
    for n, att in enumerate(ordered, start=1):
        ef = EmbeddedFileObject.from_file_data(
            writer,
            att.data,
            compress=is_compressible(att.media_type),
            params=EmbeddedFileParams(embed_size=True, embed_checksum=True,
                                      modification_date=modified),
            mime_type=att.media_type.split(";", 1)[0].strip() or "application/octet-stream",
        )
        spec = FileSpec(
            file_spec_string=att.name,
            file_name=att.name,
            embedded_data=ef,
            description=att.description,
            af_relationship=generic.NameObject(att.relationship),
        )
        embed_file(writer, spec)
        if progress is not None and (n % 25 == 0 or n == total):
            progress(n, total, "bundle.progress.embed")
    writer.output_version = PDF_VERSION
    writer.write(out)


@dataclass
class EmbeddedFile:
    """An attachment read back from a bundle."""

    name: str
    data: bytes | None
    media_type: str | None
    problem: str | None = None


def _name_tree_pairs(node: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    if depth > _MAX_TREE_DEPTH or not isinstance(node, generic.DictionaryObject):
        return
    names = node.get("/Names")
    if names is not None:
        names = names.get_object() if hasattr(names, "get_object") else names
        if isinstance(names, generic.ArrayObject):
            for i in range(0, len(names) - 1, 2):
                key = names[i]
                yield (str(key), names[i + 1])
    kids = node.get("/Kids")
    if kids is not None:
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        if isinstance(kids, generic.ArrayObject):
            for kid in kids:
                yield from _name_tree_pairs(kid.get_object(), depth + 1)


def embedded_files(reader: PdfFileReader) -> list[EmbeddedFile]:
    """Every file in the document's ``/EmbeddedFiles`` name tree (data decoded).

    Raises pyHanko/parse errors for a structurally broken tree; a single file whose stream
    cannot be decoded is returned with ``data=None`` and a ``problem``.
    """
    root = reader.root
    names = root.get("/Names")
    if names is None:
        return []
    tree = names.get_object().get("/EmbeddedFiles")
    if tree is None:
        return []
    out: list[EmbeddedFile] = []
    for count, (key, spec_ref) in enumerate(_name_tree_pairs(tree.get_object())):
        if count >= _MAX_FILES:
            break
        spec = spec_ref.get_object()
        if not isinstance(spec, generic.DictionaryObject):
            out.append(EmbeddedFile(key, None, None, "not a file specification"))
            continue
        name = str(spec.get("/UF") or spec.get("/F") or key)
        ef = spec.get("/EF")
        ef = ef.get_object() if ef is not None else None
        if not isinstance(ef, generic.DictionaryObject):
            out.append(EmbeddedFile(name, None, None, "no embedded stream"))
            continue
        stream_ref = ef.get("/UF") or ef.get("/F")
        stream = stream_ref.get_object() if stream_ref is not None else None
        if not isinstance(stream, generic.StreamObject):
            out.append(EmbeddedFile(name, None, None, "no embedded stream"))
            continue
        subtype = stream.get("/Subtype")
        media_type = str(subtype)[1:] if subtype is not None else None
        try:
            data = stream.data
        except (ValueError, OSError, misc.PdfError) as exc:
            out.append(EmbeddedFile(name, None, media_type, type(exc).__name__))
            continue
        out.append(EmbeddedFile(name, data, media_type))
    return out
