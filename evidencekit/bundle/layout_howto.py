"""The bundle's closing pages: how a recipient checks it with standard tools, by hand.

The route trusts only what is signed. It cuts out the version of the file the holder's
signature covers (so nothing appended later is read), takes the signer's certificate out
of the signature itself (``pdfsig -dump`` + ``openssl pkcs7``) and compares its
fingerprint with the one the holder gives - the attached ``signer-certificate.pem`` and
the printed fingerprint are copies for convenience that prove nothing - and then checks
the files, their hash values (the side folder's against a check list made from the signed
manifest, with ``sha256sum -c``, and its file count) and their timestamp tokens. Every
step shows the exact command and the output to expect, in the bundle's language (Korean
and English for a bilingual bundle; commands and the tools' own output as the tools print
them).
``tests/test_bundle_manual_route.py`` follows it literally.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape as esc

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from evidencekit.bundle.manifest import CERT_NAME, MANIFEST_NAME
from evidencekit.bundle.styles import Labels, Styles
from evidencekit.i18n import tr

__all__ = ["howto_story", "SIGNED_NAME", "SIDE_LIST", "SIDE_LIST_AWK", "route_steps"]

#: The name the route gives the signed version of the bundle.
SIGNED_NAME = "signed.pdf"
#: The check list of the side folder the route makes from the signed manifest.
SIDE_LIST = "side-files.sha256"
#: From the signed manifest (``manifest_bytes``: ``json.dumps(indent=2)``, one key a line,
#: top-level keys indented by two spaces, every entry of ``files`` with its sha256 before
#: its path), a ``sha256sum -c`` line "<hash> *<path>" for every entry of the top-level
#: ``files`` list that has a path - the side-folder files (embedded and omitted ones have
#: ``"path": null``; the items' own part lists repeat them and are skipped). No run of two
#: spaces in the program: the PDF's text collapses it. File names in a bundle are ASCII
#: letters, digits and ``._-`` (``manifest.safe_file_name``); the folder is named after
#: the bundle (``<stem>-files``), so a bundle whose name holds a double quote or a
#: backslash (JSON escapes them) gets a check list that names no such file - the step
#: then fails loudly rather than passing.
SIDE_LIST_AWK = ("-F'\"' 'length($1)==2{f=$2==\"files\"} f&&$2==\"sha256\"{h=$4} "
                 "f&&$2==\"path\"&&$4!=\"\"{print h\" *\"$4}'")


#: What ``evidencekit verify`` ends with, by exit code (the first sentence is shown).
_VERDICTS = ((0, "verify_trust.verdict_ok"), (10, "verify_trust.verdict_unconfirmed"),
             (11, "verify_weak.verdict_counter_unconfirmed"), (3, "bundle.verify.verdict_failed"))


def _verdict_lines(langs: Sequence[str]) -> list[str]:
    """``exit 0: Result: everything holds. …`` (evidencekit verify answers in the reader's
    language: a Korean bundle shows the Korean lines, a bilingual one both on one line)."""
    out = []
    for code, key in _VERDICTS:
        texts = [tr(key, lang, how="…", fingerprint="…", short="…", failed="…", signers="…")
                 for lang in langs]
        out.append(f"exit {code}: " + " / ".join(
            f"{text.split('. ', 1)[0].rstrip('.')}. …" for text in texts))
    return out


def route_steps(bundle_name: str, side_dir: str | None, langs: Sequence[str] = ("en",)
                ) -> list[tuple[str, list[str], list[str]]]:
    """The steps: (message key, commands, expected output lines)."""
    quoted = f'"{bundle_name}"' if " " in bundle_name else bundle_name
    steps: list[tuple[str, list[str], list[str]]] = [
        ("verify_trust.howto.step_pdfsig", [f"pdfsig {quoted}"], [
            "Signature #1:",
            "  - Signature Field Name: EvidenceKitSignature",
            "  - Signed Ranges: [0 - A], [B - END]",
            "  - Signature Validation: Signature is Valid.",
        ]),
        ("verify_trust.howto.step_cut", [f"head -c END {quoted} > {SIGNED_NAME}",
                                         f"pdfsig {SIGNED_NAME}"], [
            "  - Total document signed",
            "  - Signature Validation: Signature is Valid.",
        ]),
        ("verify_trust.howto.step_signer", [
            f"pdfsig -dump {SIGNED_NAME}",
            f"openssl pkcs7 -inform DER -in {SIGNED_NAME}.sig0 -print_certs -out signer.pem",
            "openssl x509 -in signer.pem -noout -subject -nameopt utf8 -fingerprint -sha256",
        ], [
            "subject=CN = …",
            "sha256 Fingerprint=AB:CD:…:EF",
        ]),
        ("verify_trust.howto.step_extract", [
            "mkdir extracted", f"pdfdetach -saveall -o extracted {SIGNED_NAME}",
            "sha256sum extracted/*",
        ], [
            "<64 hex digits>  extracted/<file>",
        ]),
    ]
    if side_dir:
        folder = f'"{side_dir}"' if " " in side_dir else side_dir
        steps.append(("verify_weak.howto.step_side", [
            # one command on two printed lines (a shell line continuation)
            f"awk {SIDE_LIST_AWK} \\\n    extracted/{MANIFEST_NAME} > {SIDE_LIST}",
            f"sha256sum -c {SIDE_LIST}",
            f"wc -l < {SIDE_LIST}",
            f"ls {folder} | wc -l",
        ], [
            f"{side_dir}/<file>: OK",
            "N",
            "N",
        ]))
    steps.append(("verify_trust.howto.step_tokens", [
        "openssl ts -verify -data extracted/FILE -in extracted/FILE.tsr "
        "-CAfile TSA-PUBLISHED-ROOT.pem -untrusted extracted/tsa-chain-….pem",
    ], ["Verification: OK"]))
    steps.append(("verify_weak.howto.step_tool", [
        f"evidencekit verify {quoted} --expect-fingerprint AB:CD:…:EF",
    ], _verdict_lines(langs)))
    return steps


def howto_story(bundle_name: str, side_dir: str | None, st: Styles,
                labels: Labels | None = None) -> list[Flowable]:
    """The closing pages, in the bundle's language (default: both, Korean first)."""
    labels = labels if labels is not None else Labels("both")
    story: list[Flowable] = [Paragraph(esc(labels("verify_trust.howto.title")), st.h1)]
    params = {"manifest": MANIFEST_NAME, "cert": CERT_NAME, "signed": SIGNED_NAME}
    # In a bilingual bundle the English repeats the Korean: set it a size smaller so the
    # route stays on as few pages as possible.
    def style(i: int) -> ParagraphStyle:
        return st.cell if i > 0 else st.body

    for i, text in enumerate(labels.texts("verify_trust.howto.intro", **params)):
        story.append(Paragraph(esc(text), style(i)))
    story.append(Spacer(1, 2 * mm))
    expected = labels("verify_trust.howto.expected")
    code = ParagraphStyle("ek-howto-code", parent=st.code, fontSize=7.5, leading=9.5,
                          spaceBefore=2, spaceAfter=3)
    langs = ("ko", "en") if labels.lang == "both" else (labels.lang,)
    for n, (key, commands, output) in enumerate(route_steps(bundle_name, side_dir, langs),
                                                start=1):
        block: list[Flowable] = []
        for i, text in enumerate(labels.texts(key, **params)):
            prefix = f"<b>{n}.</b> " if i == 0 else ""
            block.append(Paragraph(prefix + esc(text), style(i)))
        block.append(Paragraph("<br/>".join(esc(c).replace("\n", "<br/>") for c in commands),
                               code))
        block.append(Paragraph(esc(expected), st.cell))
        block.append(Paragraph("<br/>".join(esc(c) for c in output), code))
        story.append(KeepTogether(block))
    story.append(Spacer(1, 3 * mm))
    for text in labels.texts("verify_trust.howto.nothing_else"):
        story.append(Paragraph(esc(text), st.warning))
    return story
