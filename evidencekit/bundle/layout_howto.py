"""The bundle's closing pages: how a recipient checks it with standard tools, by hand.

The route trusts only what is signed. It cuts out the version of the file the holder's
signature covers (so nothing appended later is read), takes the signer's certificate out
of the signature itself (``pdfsig -dump`` + ``openssl pkcs7``) and compares its
fingerprint with the one the holder gives - the attached ``signer-certificate.pem`` and
the printed fingerprint are copies for convenience that prove nothing - and then checks
the files, their hash values and their timestamp tokens. Every step shows the exact
command and the output to expect, in the bundle's language (Korean and English for a
bilingual bundle; commands and the tools' own output as the tools print them).
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

__all__ = ["howto_story", "SIGNED_NAME", "route_steps"]

#: The name the route gives the signed version of the bundle.
SIGNED_NAME = "signed.pdf"


#: What ``evidencekit verify`` ends with, by exit code (the first sentence is shown).
_VERDICTS = ((0, "verify_trust.verdict_ok"), (10, "verify_trust.verdict_unconfirmed"),
             (3, "bundle.verify.verdict_failed"))


def _verdict_lines(langs: Sequence[str]) -> list[str]:
    """``exit 0: Result: everything holds. …`` in each language (evidencekit verify
    answers in the reader's language: a Korean bundle shows the Korean lines)."""
    out = []
    for lang in langs:
        for code, key in _VERDICTS:
            text = tr(key, lang, how="…", fingerprint="…", short="…", failed="…")
            out.append(f"exit {code}: {text.split('. ', 1)[0].rstrip('.')}. …")
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
        side = f'"{side_dir}"/*' if " " in side_dir else f"{side_dir}/*"
        steps.append(("verify_trust.howto.step_side", [f"sha256sum {side}"],
                      [f"<64 hex digits>  {side_dir}/<file>"]))
    steps.append(("verify_trust.howto.step_tokens", [
        "openssl ts -verify -data extracted/FILE -in extracted/FILE.tsr "
        "-CAfile TSA-PUBLISHED-ROOT.pem -untrusted extracted/tsa-chain-….pem",
    ], ["Verification: OK"]))
    steps.append(("verify_trust.howto.step_tool", [
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
        block.append(Paragraph("<br/>".join(esc(c) for c in commands), code))
        block.append(Paragraph(esc(expected), st.cell))
        block.append(Paragraph("<br/>".join(esc(c) for c in output), code))
        story.append(KeepTogether(block))
    story.append(Spacer(1, 3 * mm))
    for text in labels.texts("verify_trust.howto.nothing_else"):
        story.append(Paragraph(esc(text), st.warning))
    return story
