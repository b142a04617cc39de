"""PDF/A-3b structure of the bundle (pikepdf): metadata, output intent, fonts, version.

The layout comes from reportlab; :func:`prepare_layout` turns it into a PDF/A-3b
candidate before the attachments are added and the file is signed:

* fonts a page declares but never uses are dropped (reportlab puts an unembedded
  Helvetica into every page's resources); a font that is used but not embedded is a bug
  and raises :class:`IntegrityError` ``pades.pdfa_font`` rather than producing a file that
  claims PDF/A falsely;
* the document information dictionary is reduced to entries that have an XMP
  equivalent, and the XMP packet gets ``pdfaid:part=3``, ``pdfaid:conformance=B``, the
  title, description, author, creator tool, producer and dates with the same values;
* an sRGB output intent with the ICC profile shipped in ``resources/icc/``.

Later writers (pyHanko's assembly and the signature revisions) keep this: pyHanko
rewrites ``xmp:ModifyDate`` and ``pdf:Producer`` on every revision and, because the XMP
stream exists, only updates ``/Info`` entries that are already there. Therefore
``/Info`` keeps no ``/ModDate`` (it would be written separately from the XMP one and could
differ by a second) and its ``/Producer`` is exactly pyHanko's, as in the XMP.

:data:`PDF_VERSION` is the header the assembled file must carry (PDF/A-3 is based on
PDF 1.7); :mod:`.attachments` writes it.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pikepdf
from pyhanko.pdf_utils.metadata.model import VENDOR as PYHANKO_PRODUCER

from evidencekit.errors import IntegrityError
from evidencekit.resources import resource_path

__all__ = [
    "PDF_VERSION",
    "ICC_NAME",
    "OUTPUT_CONDITION",
    "PYHANKO_PRODUCER",
    "prepare_layout",
    "iter_font_dicts",
    "font_embedded",
]

log = logging.getLogger(__name__)

PDF_VERSION = (1, 7)
ICC_NAME = "sRGB.icc"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"
_MAX_FORM_DEPTH = 8
#: /Info entries that PDF/A-3 maps to XMP; everything else is dropped.
_INFO_KEEP = ("/Title", "/Author", "/Subject", "/Creator", "/Producer", "/CreationDate")


_SHOW_TEXT = frozenset({"Tj", "TJ", "'", '"'})


def _font_use(instructions: list[Any]) -> tuple[set[str], set[str]]:
    """Fonts selected with ``Tf`` and fonts that are current when text is shown (the
    font belongs to the graphics state, so ``q``/``Q`` save and restore it)."""
    selected: set[str] = set()
    shown: set[str] = set()
    current: str | None = None
    stack: list[str | None] = []
    for ins in instructions:
        op = str(ins.operator)
        if op == "q":
            stack.append(current)
        elif op == "Q":
            current = stack.pop() if stack else current
        elif op == "Tf" and ins.operands and isinstance(ins.operands[0], pikepdf.Name):
            current = str(ins.operands[0])
            selected.add(current)
        elif op in _SHOW_TEXT and current is not None:
            shown.add(current)
    return selected, shown


def _forms(resources: pikepdf.Object) -> Iterator[pikepdf.Stream]:
    xobjects = resources.get("/XObject")
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    for _name, xobj in xobjects.items():
        if isinstance(xobj, pikepdf.Stream) and xobj.get("/Subtype") == pikepdf.Name.Form:
            yield xobj


def font_embedded(font: pikepdf.Object) -> bool:
    """Whether a font dictionary carries its font program (Type 3 fonts are drawn by the
    PDF itself; a Type 0 font's program sits in its descendant font)."""
    subtype = font.get("/Subtype")
    if subtype == pikepdf.Name.Type3:
        return True
    if subtype == pikepdf.Name.Type0:
        kids = font.get("/DescendantFonts")
        if not isinstance(kids, pikepdf.Array) or len(kids) == 0:
            return False
        font = kids[0]
    desc = font.get("/FontDescriptor")
    if not isinstance(desc, pikepdf.Dictionary):
        return False
    return any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def iter_font_dicts(pdf: pikepdf.Pdf) -> Iterator[tuple[str, str, pikepdf.Object]]:
    """Every font resource of every page, form XObject and annotation appearance:
    ``(where, resource name, font dictionary)``."""

    def walk(where: str, resources: object, depth: int) -> Iterator[tuple[str, str,
                                                                          pikepdf.Object]]:
        if depth > _MAX_FORM_DEPTH or not isinstance(resources, pikepdf.Dictionary):
            return
        fonts = resources.get("/Font")
        if isinstance(fonts, pikepdf.Dictionary):
            for name, font in fonts.items():
                yield where, name, font
        for n, form in enumerate(_forms(resources)):
            yield from walk(f"{where} form {n}", form.get("/Resources"), depth + 1)

    for number, page in enumerate(pdf.pages, start=1):
        yield from walk(f"page {number}", page.obj.get("/Resources"), 0)
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for a, annot in enumerate(annots):
            ap = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
            if not isinstance(ap, pikepdf.Dictionary):
                continue
            for key, appearance in ap.items():
                states = [appearance] if isinstance(appearance, pikepdf.Stream) else (
                    list(appearance.values()) if isinstance(appearance, pikepdf.Dictionary)
                    else [])
                for stream in states:
                    if isinstance(stream, pikepdf.Stream):
                        yield from walk(f"page {number} annotation {a} {key}",
                                        stream.get("/Resources"), 1)


def _prune_fonts(pdf: pikepdf.Pdf, owner: pikepdf.Object, where: str, depth: int = 0) -> int:
    """Drop unused fonts from ``owner``'s resources (a page or a form); returns how many.

    reportlab selects Helvetica at the start of every page without ever showing text in
    it; such an idle ``Tf`` of an unembedded font is removed from the content stream (it
    draws nothing) and the font from the resources. Each owner gets its own direct /Font
    dictionary, so a dictionary shared with other pages stays intact for them.
    """
    if depth > _MAX_FORM_DEPTH:
        return 0
    resources = owner.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        return 0
    removed = 0
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        instructions = list(pikepdf.parse_content_stream(owner))
        selected, shown = _font_use(instructions)
        idle = {name for name in selected - shown
                if name in fonts and not font_embedded(fonts[name])}
        if idle:
            instructions = [
                ins for ins in instructions
                if not (str(ins.operator) == "Tf" and str(ins.operands[0]) in idle)
            ]
            data = pikepdf.unparse_content_stream(instructions)
            if isinstance(owner, pikepdf.Stream):
                owner.write(data)
            else:
                owner.Contents = pdf.make_stream(data)
            selected -= idle
        kept = pikepdf.Dictionary({k: v for k, v in fonts.items() if k in selected})
        removed = len(fonts.keys()) - len(kept.keys())
        for name, font in kept.items():
            if not font_embedded(font):
                log.error("bundle layout uses a font that is not embedded (%s, %s)", where,
                          name)
                raise IntegrityError("pades.pdfa_font", font=str(font.get("/BaseFont", name)))
        if kept.keys():
            resources.Font = kept
        else:
            del resources["/Font"]
    for n, form in enumerate(_forms(resources)):
        removed += _prune_fonts(pdf, form, f"{where} form {n}", depth + 1)
    return removed


def _text(value: object) -> str:
    return str(value) if value is not None else ""


def _pdf_date(moment: datetime) -> str:
    stamp = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.utcoffset()
    if offset is None:
        return stamp + "Z"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{stamp}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _set_info_and_xmp(pdf: pikepdf.Pdf, created: datetime) -> None:
    info = pdf.docinfo
    values = {k: _text(info.get(k)) for k in ("/Title", "/Author", "/Subject", "/Creator")}
    for key in list(info.keys()):
        if key not in _INFO_KEEP:
            del info[key]
    for key, value in values.items():
        if value:
            info[key] = pikepdf.String(value)
        elif key in info:
            del info[key]
    info.Producer = pikepdf.String(PYHANKO_PRODUCER)
    info.CreationDate = pikepdf.String(_pdf_date(created))
    stamp = created.isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
        if values["/Title"]:
            meta["dc:title"] = values["/Title"]
        if values["/Subject"]:
            meta["dc:description"] = values["/Subject"]
        if values["/Author"]:
            meta["dc:creator"] = [values["/Author"]]
        if values["/Creator"]:
            meta["xmp:CreatorTool"] = values["/Creator"]
        meta["pdf:Producer"] = PYHANKO_PRODUCER
        meta["xmp:CreateDate"] = stamp
        meta["xmp:ModifyDate"] = stamp
        meta["xmp:MetadataDate"] = stamp


def _add_output_intent(pdf: pikepdf.Pdf) -> None:
    icc = resource_path("icc", ICC_NAME).read_bytes()
    profile = pikepdf.Stream(pdf, icc)
    profile.N = 3
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(OUTPUT_CONDITION),
        Info=pikepdf.String(OUTPUT_CONDITION),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=pdf.make_indirect(profile),
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def prepare_layout(layout_pdf: bytes, *, created: datetime) -> bytes:
    """The reportlab layout as a PDF/A-3b candidate (see the module docstring).

    ``created`` (aware) becomes the creation and modification date in ``/Info`` and XMP.
    Raises :class:`IntegrityError` ``pades.pdfa_font`` if a used font is not embedded.
    """
    with pikepdf.open(io.BytesIO(layout_pdf)) as pdf:
        removed = 0
        for number, page in enumerate(pdf.pages, start=1):
            removed += _prune_fonts(pdf, page.obj, f"page {number}")
            trans = page.obj.get("/Trans")
            if isinstance(trans, pikepdf.Dictionary) and not trans.keys():
                del page.obj["/Trans"]  # reportlab's empty transition: does nothing
        if removed:
            log.debug("PDF/A: %d unused font resources removed", removed)
        _set_info_and_xmp(pdf, created)
        _add_output_intent(pdf)
        for key in ("/OpenAction", "/AA", "/Version"):
            if key in pdf.Root:
                del pdf.Root[key]
        out = io.BytesIO()
        pdf.save(out, force_version=".".join(map(str, PDF_VERSION)))
    return out.getvalue()
