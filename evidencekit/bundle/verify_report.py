"""The result of verifying a bundle: named checks, per-item results, text and JSON forms.

A :class:`Check` carries a stable name (``signature.intact``, ``attachments.hashes`` …), a
verdict (``True`` holds, ``False`` failed, ``None`` not checked / for information only) and
a message key with parameters, so the CLI and the GUI can show it in Korean or English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidencekit.i18n import catalogue, tr

__all__ = ["Check", "ItemResult", "VerifyReport", "format_report", "short_list", "EXIT_OK",
           "EXIT_FAILED"]

EXIT_OK = 0
EXIT_FAILED = 3
_MAX_LISTED = 5


def short_list(names: list[str]) -> str:
    """The first few names, comma-separated, with ``(+N)`` for the rest (for messages)."""
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f" (+{len(names) - _MAX_LISTED})" if len(names) > _MAX_LISTED else "")


@dataclass
class Check:
    """One check: ``ok`` is True (holds), False (failed) or None (not checked / info)."""

    name: str
    ok: bool | None
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def title(self, lang: str | None = None) -> str:
        key = "bundle.check." + self.name
        return tr(key, lang) if key in catalogue("en") else self.name

    def detail_text(self, lang: str | None = None) -> str:
        return tr(self.key, lang, **self.params)

    @property
    def detail(self) -> str:
        """The detail in the current language."""
        return self.detail_text()

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "title": self.title(lang),
            "detail": self.detail_text(lang),
            "key": self.key,
            "params": {k: v if isinstance(v, int | float | bool) or v is None else str(v)
                       for k, v in self.params.items()},
        }


@dataclass
class ItemResult:
    """The verdict for one item of the manifest and the checks of its parts."""

    number: int
    title: str
    ok: bool | None
    parts: list[Check] = field(default_factory=list)

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "ok": self.ok,
            "parts": [p.public(lang) for p in self.parts],
        }


@dataclass
class VerifyReport:
    """Everything :func:`~evidencekit.bundle.verify.verify_bundle` found."""

    path: Path
    checks: list[Check] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)
    fingerprint: str | None = None  # SHA-256 of the signer certificate, lower-case hex
    signer: str | None = None
    signed_at: str | None = None
    extracted: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when no check failed and the signature checks ran and held."""
        if any(c.ok is False for c in self.checks):
            return False
        if any(i.ok is False for i in self.items):
            return False
        names = {c.name for c in self.checks if c.ok is True}
        return {"signature.intact", "signature.coverage", "attachments.hashes"} <= names

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_FAILED

    @property
    def failures(self) -> list[Check]:
        out = [c for c in self.checks if c.ok is False]
        for item in self.items:
            out.extend(p for p in item.parts if p.ok is False)
        return out

    def add(self, name: str, ok: bool | None, key: str, **params: Any) -> Check:
        check = Check(name, ok, key, params)
        self.checks.append(check)
        return check

    def public(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "exit_code": self.exit_code,
            "fingerprint": self.fingerprint,
            "signer": self.signer,
            "signed_at": self.signed_at,
            "checks": [c.public(lang) for c in self.checks],
            "items": [i.public(lang) for i in self.items],
            "extracted": [str(p) for p in self.extracted],
        }


def _mark(ok: bool | None, lang: str | None) -> str:
    if ok is True:
        return "✓ " + tr("bundle.verify.mark_ok", lang)
    if ok is False:
        return "✗ " + tr("bundle.verify.mark_failed", lang)
    return "· " + tr("bundle.verify.mark_info", lang)


def format_report(report: VerifyReport, lang: str | None = None) -> str:
    """A plain-text report for a terminal, in ``lang`` (default: the current language)."""
    lines = [tr("bundle.verify.report_title", lang, path=report.path.name)]
    # the fingerprint, and whether it is the holder's, come first: it is what says who
    # made the bundle
    holder = next((c for c in report.checks if c.name == "signature.fingerprint"), None)
    if report.fingerprint:
        from evidencekit.bundle.manifest import display_fingerprint

        lines.append(tr("bundle.verify.report_fingerprint", lang,
                        fingerprint=display_fingerprint(report.fingerprint)))
    if holder is not None:
        lines.append(f"{_mark(holder.ok, lang)}  {holder.detail_text(lang)}")
    lines.append("")
    for check in report.checks:
        if check is holder:
            continue
        lines.append(f"{_mark(check.ok, lang)}  {check.title(lang)}: {check.detail_text(lang)}")
    if report.items:
        lines.append("")
        lines.append(tr("bundle.verify.report_items", lang))
        for item in report.items:
            lines.append(f"  {_mark(item.ok, lang)}  #{item.number} {item.title}")
            for part in item.parts:
                if part.ok is not True:
                    lines.append(f"      {_mark(part.ok, lang)}  {part.detail_text(lang)}")
    if report.extracted:
        lines.append("")
        lines.append(tr("bundle.verify.report_extracted", lang, count=len(report.extracted)))
    lines.append("")
    if report.ok:
        lines.append(tr("bundle.verify.verdict_ok", lang))
    else:
        names = ", ".join(dict.fromkeys(c.title(lang) for c in report.failures)) or "—"
        lines.append(tr("bundle.verify.verdict_failed", lang, failed=names))
    return "\n".join(lines)
