"""Checks an adversarial examiner asked for, beyond :mod:`.verify_revisions`.

Each closes a way a forger got a tampered bundle through ``verify`` (see
``tests/test_attacks_examiner.py``, which builds every attack):

* **file layout after signing** - every byte after the holder's signed revision belongs to
  an update pyHanko parsed: the update's body holds only the objects its cross-reference
  section lists (at the offsets listed), the section is followed by ``startxref`` with its
  own offset and ``%%EOF``, and the next update starts right after. Without this an object
  can be appended outside any update (no reader that trusts the file's last ``startxref``
  sees it, yet the file is no longer what was signed and timestamped, and a reader that
  rebuilds the cross-references finds it), or hidden between updates;
* **no key defined twice** in a dictionary an update writes (or in its trailer): pyHanko
  keeps the first definition, viewers the last, so the original value first and a forged
  one second passes every comparison while the viewer shows the forgery;
* **signature fields added after signing** carry only what an invisible signature field
  needs: no actions (``/A``, ``/AA`` - JavaScript run when the page opens), no other
  entries, and a zero-size rectangle;
* **validation data** (``/DSS``) holds only certificates, OCSP responses, CRLs and their
  per-signature index (``/VRI``), nothing a viewer might act on;
The checks on signer certificates, attachment sizes and the side folder are in
:mod:`.verify_extra_content` (re-exported here for :mod:`.verify`). Failures are reported
under the existing check names (``revisions.after``, ``side.files`` …) with message keys
``verify_extra.*``.
"""

from __future__ import annotations

import io
import logging
import mmap
import re
from typing import Any, BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStrictReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.xref import XRefSectionType

from evidencekit.bundle.verify_extra_content import (
    attachments_fit,
    certificate_purpose_problem,
    check_side_folder,
    check_signer_certificates,
    level_check,
)
from evidencekit.bundle.verify_files import PARSE_ERRORS
from evidencekit.bundle.verify_report import VerifyReport

__all__ = ["check_updates", "check_signer_certificates", "level_check", "check_side_folder",
           "layout_problems", "field_problems", "dss_problems", "duplicate_key_problems",
           "certificate_purpose_problem", "reused_array_problems", "attachments_fit"]

log = logging.getLogger(__name__)

_FIELD_KEYS = frozenset({
    "/FT", "/T", "/V", "/Type", "/Subtype", "/Rect", "/F", "/P", "/AP", "/Ff", "/Lock",
    "/SV", "/TU", "/TM", "/MK", "/DA", "/StructParent", "/NM", "/M", "/Border",
})
_DSS_KEYS = frozenset({"/Type", "/Certs", "/OCSPs", "/CRLs", "/VRI"})
_VRI_KEYS = frozenset({"/Type", "/Cert", "/OCSP", "/CRL", "/TU", "/TS"})
_OBJ_HEADER = re.compile(rb"(?:^|[\r\n])[ \t\f\x00]*(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})"
                         rb"[ \t\r\n\f\x00]+obj\b")
_HEADER_AT = re.compile(rb"(\d{1,10})[ \t\r\n\f\x00]+(\d{1,5})[ \t\r\n\f\x00]+obj\b")
_TAIL = re.compile(rb"\s*startxref\s+(\d+)\s*%%EOF(\r\n|\r|\n)?")
_MAX_DSS = 100_000
_DUPLICATE = "Multiple definitions"

Problem = tuple[int, str, str]


def _holder_revision(reader: PdfFileReader) -> int | None:
    """The revision (0-based) the holder's signature - the first ``/Sig`` - signs."""
    sigs = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
    if not sigs:
        return None
    return int(min(s.signed_revision for s in sigs))


def _revision_end(data: bytes | mmap.mmap, reader: PdfFileReader, rev: int
                  ) -> tuple[int | None, str]:
    """Where revision ``rev`` ends (after its ``%%EOF`` line), or None with the reason."""
    info = reader.xrefs.get_xref_container_info(rev)
    at = info.declared_startxref
    if info.xref_section_type == XRefSectionType.STANDARD:
        starts_right = data[at : at + 4] == b"xref"
    else:
        starts_right = _OBJ_HEADER.match(data, at) is not None or \
            _OBJ_HEADER.match(data, max(at - 1, 0)) is not None
    if not starts_right:
        return None, "startxref"
    tail = data.find(b"startxref", info.end_location)
    found = _TAIL.match(data, tail) if tail >= 0 else None
    if found is None or int(found.group(1)) != at:
        return None, "tail"
    if _OBJ_HEADER.search(data, info.end_location, tail) is not None:
        return None, "tail"
    return found.end(), ""


def layout_problems(data: bytes | mmap.mmap, reader: PdfFileReader,
                    signed_revision: int) -> list[Problem]:
    """Every stretch of bytes after the signed revision that no update accounts for.

    ``data`` is the whole file. Revisions count from 1 in the result, as a person counts.
    """
    problems: list[Problem] = []
    total = reader.xrefs.total_revisions
    end, why = _revision_end(data, reader, signed_revision)
    if end is None:
        return [(signed_revision + 1, "layout_" + why, "")]
    for rev in range(signed_revision + 1, total):
        info = reader.xrefs.get_xref_container_info(rev)
        xref = reader.xrefs.get_xref_data(rev)
        body_start, body_end = end, info.declared_startxref
        if body_end < body_start:
            problems.append((rev + 1, "layout_overlap", ""))
            break
        listed = {offset: (idnum, gen) for idnum, (gen, offset) in xref.standard_xrefs.items()}
        if xref.hybrid is not None:  # a hybrid file's cross-reference stream lists more
            listed.update({offset: (idnum, gen) for idnum, (gen, offset)
                           in xref.hybrid.xref_data.standard_xrefs.items()})
        if info.xref_section_type != XRefSectionType.STANDARD:
            listed.pop(info.declared_startxref, None)  # the cross-reference stream itself
        for offset, (idnum, gen) in listed.items():
            if not body_start <= offset < body_end:
                problems.append((rev + 1, "layout_outside", str(idnum)))
                continue
            header = _HEADER_AT.match(data, offset)
            if header is None or (int(header.group(1)), int(header.group(2))) != (idnum, gen):
                # an offset a lenient reader forgives makes a strict viewer rebuild the
                # cross-references from whatever it finds in the file
                problems.append((rev + 1, "layout_offset", str(idnum)))
        for found in _OBJ_HEADER.finditer(data, body_start, body_end):
            at = found.start(1)
            idnum, gen = int(found.group(1)), int(found.group(2))
            if listed.get(at) != (idnum, gen):
                problems.append((rev + 1, "layout_unlisted", f"{idnum} {gen}"))
        end, why = _revision_end(data, reader, rev)
        if end is None:
            problems.append((rev + 1, "layout_" + why, ""))
            break
    else:
        if data[end:].strip(b" \t\r\n\x00\x0c"):
            problems.append((total, "layout_trailing", ""))
    return problems


def duplicate_key_problems(data: bytes | mmap.mmap, reader: PdfFileReader,
                           signed_revision: int) -> list[Problem]:
    """Dictionaries written after the signed revision that define a key twice.

    pyHanko reading leniently keeps the first definition, poppler and qpdf the last: an
    update that writes the catalog, a page or the document information again with the
    original value first and a forged one second looks unchanged to the revision checks
    while every viewer shows the forgery. A strict reading of each object the updates
    write (and of their trailers) names it."""
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    stream.seek(0)
    try:
        strict = PdfFileReader(stream, strict=True)
    except PdfStrictReadError as exc:
        if _DUPLICATE in str(exc):
            return [(reader.xrefs.total_revisions, "duplicate_key", "trailer")]
        return []  # not a duplicate key: the lenient checks speak for the rest
    problems: list[Problem] = []
    for rev in range(signed_revision + 1, strict.xrefs.total_revisions):
        resolver = strict.get_historical_resolver(rev)
        for ref in sorted(strict.xrefs.explicit_refs_in_revision(rev), key=lambda r: r.idnum):
            try:
                resolver(ref)
            except PdfStrictReadError as exc:
                if _DUPLICATE in str(exc):
                    problems.append((rev + 1, "duplicate_key", str(ref.idnum)))
            except PARSE_ERRORS:
                continue  # a damaged object: the lenient checks name it
    return problems


def _field_refs(root: Any) -> list[generic.Reference]:
    if not isinstance(root, generic.DictionaryObject) or "/AcroForm" not in root:
        return []
    form = root["/AcroForm"]
    if not isinstance(form, generic.DictionaryObject) or "/Fields" not in form:
        return []
    fields = form["/Fields"]
    if not isinstance(fields, generic.ArrayObject):
        return []
    refs = []
    for i in range(len(fields)):
        value = fields.raw_get(i)
        if isinstance(value, generic.IndirectObject):
            refs.append(value.reference)
    return refs


def _zero_rect(rect: Any) -> bool:
    if not isinstance(rect, generic.ArrayObject) or len(rect) != 4:
        return False
    try:
        x1, y1, x2, y2 = (float(v) for v in rect)
    except (TypeError, ValueError):
        return False
    return x1 == x2 and y1 == y2


def field_problems(reader: PdfFileReader, signed_revision: int) -> list[Problem]:
    """Form fields added after the signed revision that carry more than an invisible
    signature field needs (actions, other entries, a visible rectangle)."""
    problems: list[Problem] = []
    total = reader.xrefs.total_revisions
    before = set(_field_refs(reader.get_historical_resolver(signed_revision).root))
    for rev in range(signed_revision + 1, total):
        resolver = reader.get_historical_resolver(rev)
        refs = _field_refs(resolver.root)
        for ref in refs:
            if ref in before:
                continue
            field = resolver(ref)
            if not isinstance(field, generic.DictionaryObject):
                continue  # verify_revisions names a field that is not a dictionary
            extra = sorted(set(field) - _FIELD_KEYS)
            actions = [k for k in extra if k in ("/A", "/AA")]
            if actions:
                problems.append((rev + 1, "field_action", f"{ref.idnum}: {', '.join(actions)}"))
            elif extra:
                problems.append((rev + 1, "field_key", f"{ref.idnum}: {', '.join(extra)}"))
            if "/Rect" in field and not _zero_rect(field["/Rect"]):
                problems.append((rev + 1, "field_visible", str(ref.idnum)))
        before |= set(refs)
    return problems


def _get(d: Any, key: str) -> Any:
    """``d[key]`` resolved, or None (``DictionaryObject.get`` leaves references as they
    are)."""
    if not isinstance(d, generic.DictionaryObject) or key not in d:
        return None
    value = d.get(key)
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _page_refs(root: Any) -> list[generic.Reference]:
    """The page objects of a revision (leaves and nodes), at most ``_MAX_DSS``."""
    found: list[generic.Reference] = []
    seen: set[generic.Reference] = set()
    stack = [root.raw_get("/Pages")] if "/Pages" in root else []
    while stack and len(found) < _MAX_DSS:
        value = stack.pop()
        if not isinstance(value, generic.IndirectObject) or value.reference in seen:
            continue
        seen.add(value.reference)
        found.append(value.reference)
        node = value.get_object()
        kids = _get(node, "/Kids")
        if isinstance(kids, generic.ArrayObject):
            stack.extend(kids.raw_get(i) for i in range(len(kids)))
    return found


def _raw_ref(d: Any, key: str) -> generic.Reference | None:
    if not isinstance(d, generic.DictionaryObject) or key not in d:
        return None
    value = d.raw_get(key)
    return value.reference if isinstance(value, generic.IndirectObject) else None


def reused_array_problems(reader: PdfFileReader, signed_revision: int) -> list[Problem]:
    """A page's ``/Annots`` or the form's ``/Fields`` pointed, after signing, at an
    existing object that held something else (e.g. the catalog's ``/AF`` list): the
    changes to that object then pass as a growing annotation or field list."""
    problems: list[Problem] = []
    xrefs = reader.xrefs
    for rev in range(signed_revision + 1, xrefs.total_revisions):
        old, new = reader.get_historical_resolver(rev - 1), reader.get_historical_resolver(rev)

        def reused(ref: generic.Reference | None, before: generic.Reference | None,
                   rev: int = rev) -> bool:
            if ref is None or ref == before:
                return False
            try:
                return int(xrefs.get_introducing_revision(ref)) != rev
            except KeyError:
                return False

        old_pages = set(_page_refs(old.root))
        for page in _page_refs(new.root):
            before = _raw_ref(old(page), "/Annots") if page in old_pages else None
            if reused(_raw_ref(new(page), "/Annots"), before):
                problems.append((rev + 1, "array_reused", f"{page.idnum} /Annots"))
        old_form, new_form = _get(old.root, "/AcroForm"), _get(new.root, "/AcroForm")
        if reused(_raw_ref(new_form, "/Fields"), _raw_ref(old_form, "/Fields")):
            problems.append((rev + 1, "array_reused", "/AcroForm /Fields"))
    return problems


def _stream_array(value: Any) -> bool:
    if not isinstance(value, generic.ArrayObject) or len(value) > _MAX_DSS:
        return False
    return all(isinstance(value[i], generic.StreamObject) for i in range(len(value)))


def dss_problems(reader: PdfFileReader) -> list[Problem]:
    """Anything in the final ``/DSS`` besides validation data."""
    root = reader.root
    if "/DSS" not in root:
        return []
    total = reader.xrefs.total_revisions
    dss = root["/DSS"]
    if not isinstance(dss, generic.DictionaryObject):
        return [(total, "dss", "/DSS")]
    bad = sorted(set(dss) - _DSS_KEYS)
    for key in ("/Certs", "/OCSPs", "/CRLs"):
        if key in dss and not _stream_array(dss[key]):
            bad.append(key)
    if "/VRI" in dss:
        vri = dss["/VRI"]
        if not isinstance(vri, generic.DictionaryObject) or len(vri) > _MAX_DSS:
            bad.append("/VRI")
        else:
            for name in vri:
                entry = vri[name]
                if not isinstance(entry, generic.DictionaryObject) or set(entry) - _VRI_KEYS:
                    bad.append(f"/VRI {name}")
                    continue
                for key in ("/Cert", "/OCSP", "/CRL"):
                    if key in entry and not _stream_array(entry[key]):
                        bad.append(f"/VRI {name} {key}")
    return [(total, "dss", ", ".join(bad[:5]))] if bad else []


def check_updates(fh: BinaryIO, reader: PdfFileReader, report: VerifyReport) -> None:
    """Add a failed ``revisions.after`` check for each problem found after the holder's
    signed revision (nothing when the file is as pyHanko writes it). ``fh``: the bundle,
    opened for reading (mapped, not read into memory)."""
    try:
        signed = _holder_revision(reader)
        if signed is None:
            return  # no signature: verify already fails
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            problems = layout_problems(data, reader, signed)
            problems += duplicate_key_problems(data, reader, signed)
        problems += field_problems(reader, signed)
        problems += reused_array_problems(reader, signed)
        problems += dss_problems(reader)
    except PARSE_ERRORS as exc:
        log.info("updates after signing could not be examined (%s)", type(exc).__name__)
        problems = [(0, "unreadable", type(exc).__name__)]
    for rev, what, detail in problems[:8]:
        report.add("revisions.after", False, "verify_extra." + what, revision=rev,
                   detail=detail)
