"""What may follow the holder's signed revision: validation data, timestamps, signatures.

A PDF can grow by incremental updates after it was signed; the signature still verifies
and a viewer shows the updated document. For a bundle only these updates are allowed:

* new signature fields (document timestamps, counter-signatures), invisible, each with
  its value - added to the form's field list and to a page's annotation list, nothing else
  changed in either;
* validation data (the ``/DSS`` dictionary and the objects that hang from it);
* what pyHanko writes along with every update: the catalog's ``/AcroForm``, ``/DSS``,
  ``/Extensions`` and ``/Version`` entries, the document information's ``/ModDate`` and
  ``/Producer``, and the same fields of the XMP metadata.

Anything else - a changed title or author, a page, an annotation, a name tree entry
(attachments), a form field that is not a signature, an object freed, the trailer pointing
somewhere else - is reported with the revision that made it. New objects by themselves
change nothing a reader sees: they only count through the existing objects that point to
them, and every changed existing object is checked here. pyHanko's own difference analysis
runs as well (in :mod:`evidencekit.bundle.verify`); this check is the stricter of the two.

:func:`revision_problems` returns ``(revision, problem, detail)`` triples: ``revision``
counts from 1 for the file's first version (as a person counts), ``problem`` is a stable
code with a message key ``bundle.verify.rev.<problem>``.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET  # noqa: N817 - the usual name
from collections import Counter
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from evidencekit.bundle.verify_files import PARSE_ERRORS

__all__ = ["revision_problems", "trailing_bytes"]

log = logging.getLogger(__name__)

_CATALOG_FREE = frozenset({"/AcroForm", "/DSS", "/Extensions", "/Version"})
_INFO_FREE = frozenset({"/ModDate", "/Producer"})
_ACROFORM_FREE = frozenset({"/Fields", "/SigFlags"})
_XMP_FREE = ("ModifyDate", "MetadataDate", "Producer", "xmptk", "about")
_MAX_XMP = 1 << 20
_MAX_WALK = 20_000
_ERRORS: tuple[type[BaseException], ...] = (*PARSE_ERRORS, ET.ParseError)

Problem = tuple[int, str, str]


def _raw(d: Any, key: str) -> Any:
    """The value of ``key`` in a dictionary without resolving references."""
    return d.raw_get(key) if isinstance(d, generic.DictionaryObject) and key in d else None


def _ref(value: Any) -> generic.Reference | None:
    return value.reference if isinstance(value, generic.IndirectObject) else None


def _resolve(value: Any) -> Any:
    return value.get_object() if isinstance(value, generic.IndirectObject) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, generic.StreamObject) or isinstance(b, generic.StreamObject):
        return (isinstance(a, generic.StreamObject) and isinstance(b, generic.StreamObject)
                and dict(a) == dict(b) and a.encoded_data == b.encoded_data)
    return bool(a == b)


def _dict_diff(old: Any, new: Any, free: frozenset[str]) -> list[str]:
    """Keys whose value differs between two dictionaries, apart from ``free`` ones."""
    if not isinstance(old, generic.DictionaryObject) or \
            not isinstance(new, generic.DictionaryObject):
        return ["(type)"]
    keys = (set(old) | set(new)) - free
    return sorted(k for k in keys if not _same(_raw(old, k), _raw(new, k)))


def _xmp_facts(stream: Any) -> Counter[tuple[str, str]]:
    """The XMP packet as a multiset of (property, value), leaving out what pyHanko updates."""
    data = stream.data if isinstance(stream, generic.StreamObject) else b""
    if len(data) > _MAX_XMP:
        raise ValueError("metadata too large")
    facts: Counter[tuple[str, str]] = Counter()
    if not data.strip():
        return facts
    root = ET.fromstring(data)
    for el in root.iter():
        tag = str(el.tag)
        if tag.endswith(_XMP_FREE):
            continue
        text = (el.text or "").strip()
        if text and len(el) == 0:
            facts[(tag, text)] += 1
        for name, value in el.attrib.items():
            if not name.endswith(_XMP_FREE):
                facts[(f"{tag}@{name}", value)] += 1
    return facts


def _pages(root: Any) -> set[generic.Reference]:
    """References of every page object (and page-tree node) of a revision."""
    found: set[generic.Reference] = set()
    stack = [_raw(root, "/Pages")]
    while stack and len(found) < _MAX_WALK:
        ref = _ref(stack.pop())
        if ref is None or ref in found:
            continue
        found.add(ref)
        node = ref.get_object()
        kids = _resolve(_raw(node, "/Kids"))
        if isinstance(kids, generic.ArrayObject):
            stack.extend(kids)
    return found


def _reachable(start: Any, depth: int = 6) -> set[generic.Reference]:
    """References reachable from ``start`` within ``depth`` steps (the DSS and its parts)."""
    found: set[generic.Reference] = set()
    frontier = [start]
    for _ in range(depth):
        nxt: list[Any] = []
        for value in frontier:
            ref = _ref(value)
            if ref is not None:
                if ref in found:
                    continue
                found.add(ref)
                value = ref.get_object()
            if isinstance(value, generic.DictionaryObject):
                nxt.extend(value.raw_get(k) for k in value)
            elif isinstance(value, generic.ArrayObject):
                nxt.extend(value.raw_get(i) for i in range(len(value)))
            if len(found) > _MAX_WALK:
                return found
        frontier = nxt
    return found


class _Revision:
    """One update after the signed revision, compared with the revision before it."""

    def __init__(self, reader: PdfFileReader, rev: int, signed_revision: int) -> None:
        self.reader = reader
        self.rev = rev
        self.signed_revision = signed_revision
        self.old = reader.get_historical_resolver(rev - 1)
        self.new = reader.get_historical_resolver(rev)
        self.problems: list[Problem] = []
        self.handled: set[generic.Reference] = set()

    def fail(self, problem: str, detail: str = "") -> None:
        self.problems.append((self.rev + 1, problem, detail))

    def introduced(self, ref: generic.Reference) -> int:
        try:
            return int(self.reader.xrefs.get_introducing_revision(ref))
        except KeyError:
            return self.rev

    def is_new(self, ref: generic.Reference | None) -> bool:
        return ref is not None and self.introduced(ref) == self.rev

    def run(self) -> list[Problem]:
        xrefs = self.reader.xrefs
        if xrefs.refs_freed_in_revision(self.rev):
            self.fail("freed", ", ".join(str(r.idnum) for r in
                                         sorted(xrefs.refs_freed_in_revision(self.rev),
                                                key=lambda r: r.idnum)[:5]))
        old_trailer, new_trailer = self.old.trailer_view, self.new.trailer_view
        for key in ("/Root", "/Info", "/Encrypt"):
            if not _same(_raw(old_trailer, key), _raw(new_trailer, key)):
                self.fail("trailer", key)
        old_root, new_root = self.old.root, self.new.root
        root_ref = _ref(_raw(new_trailer, "/Root"))
        info_ref = _ref(_raw(new_trailer, "/Info"))
        meta_ref = _ref(_raw(old_root, "/Metadata"))
        new_fields = self._acroform(old_root, new_root)
        pages = _pages(new_root)
        dss_before = _reachable(_raw(old_root, "/DSS")) if "/DSS" in old_root else set()
        changed = sorted(xrefs.explicit_refs_in_revision(self.rev), key=lambda r: r.idnum)
        for ref in changed:
            if ref.generation != 0:
                # pyHanko never writes one; a new generation of an existing object number
                # is how a forger replaces an object that viewers still find by number
                self.fail("object", f"{ref.idnum} {ref.generation}")
                continue
            if self.is_new(ref) or ref in self.handled:
                continue
            old_obj, new_obj = self.old(ref), self.new(ref)
            if ref == root_ref:
                diff = _dict_diff(old_root, new_root, _CATALOG_FREE)
                if diff:
                    self.fail("catalog", ", ".join(diff))
            elif ref == info_ref:
                diff = _dict_diff(old_obj, new_obj, _INFO_FREE)
                if diff:
                    self.fail("info", ", ".join(diff))
            elif ref == meta_ref:
                if _xmp_facts(old_obj) != _xmp_facts(new_obj):
                    self.fail("metadata")
            elif ref in pages:
                self._page(ref, old_obj, new_obj, new_fields)
            elif ref in dss_before and self.introduced(ref) > self.signed_revision:
                continue  # validation data added after signing, updated again
            elif _same(old_obj, new_obj):
                continue  # written again unchanged
            else:
                self.fail("object", str(ref.idnum))
        return self.problems

    def _acroform(self, old_root: Any, new_root: Any) -> set[generic.Reference]:
        """Check the form; returns the signature fields this revision added."""
        old_form = _resolve(_raw(old_root, "/AcroForm"))
        new_form = _resolve(_raw(new_root, "/AcroForm"))
        for value in (_raw(old_root, "/AcroForm"), _raw(new_root, "/AcroForm")):
            if (ref := _ref(value)) is not None:
                self.handled.add(ref)
        if new_form is None:
            if old_form is not None:
                self.fail("form", "/AcroForm")
            return set()
        if old_form is None:
            old_form = generic.DictionaryObject()
        diff = _dict_diff(old_form, new_form, _ACROFORM_FREE)
        if diff:
            self.fail("form", ", ".join(diff))
        for value in (_raw(old_form, "/Fields"), _raw(new_form, "/Fields")):
            if (ref := _ref(value)) is not None:
                self.handled.add(ref)
        old_fields = _resolve(_raw(old_form, "/Fields")) or generic.ArrayObject()
        new_fields = _resolve(_raw(new_form, "/Fields")) or generic.ArrayObject()
        old_list = [old_fields.raw_get(i) for i in range(len(old_fields))]
        new_list = [new_fields.raw_get(i) for i in range(len(new_fields))]
        if new_list[: len(old_list)] != old_list:
            self.fail("form", "/Fields")
            return set()
        added: set[generic.Reference] = set()
        for value in new_list[len(old_list):]:
            ref = _ref(value)
            if ref is None or not self.is_new(ref) or not self._signature_field(ref):
                self.fail("field", str(ref.idnum) if ref is not None else "?")
                continue
            added.add(ref)
        return added

    def _signature_field(self, ref: generic.Reference) -> bool:
        """A new, filled, invisible signature field (a timestamp or a counter-signature)."""
        field = ref.get_object()
        if not isinstance(field, generic.DictionaryObject) or field.get("/FT") != "/Sig":
            return False
        if "/Kids" in field or "/Parent" in field:
            return False
        value = _resolve(_raw(field, "/V"))
        if not isinstance(value, generic.DictionaryObject) or \
                value.get("/Type") not in ("/Sig", "/DocTimeStamp"):
            return False
        rect = _resolve(_raw(field, "/Rect"))
        if rect is not None:
            try:
                x1, y1, x2, y2 = (float(v) for v in rect)
            except (TypeError, ValueError):
                return False
            if abs(x2 - x1) > 0 or abs(y2 - y1) > 0:
                return False  # a visible appearance could draw over the page
        return True

    def _page(self, ref: generic.Reference, old_obj: Any, new_obj: Any,
              new_fields: set[generic.Reference]) -> None:
        diff = _dict_diff(old_obj, new_obj, frozenset({"/Annots"}))
        if diff:
            self.fail("page", f"{ref.idnum}: {', '.join(diff)}")
            return
        old_annots = _resolve(_raw(old_obj, "/Annots")) or generic.ArrayObject()
        new_annots = _resolve(_raw(new_obj, "/Annots")) or generic.ArrayObject()
        for value in (_raw(old_obj, "/Annots"), _raw(new_obj, "/Annots")):
            if (aref := _ref(value)) is not None:
                self.handled.add(aref)
        old_list = [old_annots.raw_get(i) for i in range(len(old_annots))]
        new_list = [new_annots.raw_get(i) for i in range(len(new_annots))]
        added = new_list[len(old_list):]
        if new_list[: len(old_list)] != old_list or \
                any(_ref(v) not in new_fields for v in added):
            self.fail("annotations", str(ref.idnum))


def revision_problems(reader: PdfFileReader, signed_revision: int) -> list[Problem]:
    """Every disallowed change in the revisions after ``signed_revision`` (0-based, as
    pyHanko counts); empty when only timestamps, signatures and DSS data follow."""
    problems: list[Problem] = []
    total = reader.xrefs.total_revisions
    for rev in range(signed_revision + 1, total):
        try:
            problems.extend(_Revision(reader, rev, signed_revision).run())
        except _ERRORS as exc:
            log.info("revision %d could not be compared (%s)", rev + 1, type(exc).__name__)
            problems.append((rev + 1, "unreadable", type(exc).__name__))
    return problems


def trailing_bytes(data_tail: bytes) -> bool:
    """True when something other than white space follows the file's last ``%%EOF``."""
    pos = data_tail.rfind(b"%%EOF")
    if pos < 0:
        return True
    return bool(data_tail[pos + 5 :].strip(b" \t\r\n\x00\x0c"))
