"""Exporting a reporting list: the table, written as XLSX and as a signed PDF (and for
the police list the attachment pack), every file's SHA-256 recorded in one
``report_exported`` custody event."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from evidencekit.bundle.manifest import display_fingerprint
from evidencekit.errors import InputError
from evidencekit.i18n import tr
from evidencekit.model import Item, Progress, now_utc
from evidencekit.reports.ecrm import build_pack
from evidencekit.reports.lists import KINDS, ReportSource, ReportTable, build_table, kst
from evidencekit.vault.atomic import storage_error, write_atomic

__all__ = ["FILE_STEMS", "ReportFile", "ReportResult", "export_report", "DEFAULT_PART_MB"]

log = logging.getLogger(__name__)

DEFAULT_PART_MB = 10.0
FILE_STEMS = {"deletion": "deletion-support-list", "kcsc": "kcsc-url-list",
              "police": "police-pack-index", "hashes": "platform-hash-list"}


@dataclass(frozen=True)
class ReportFile:
    name: str
    size: int
    sha256: str


@dataclass
class ReportResult:
    kind: str
    folder: Path
    rows: int
    items: list[int]
    files: list[ReportFile] = field(default_factory=list)


class ReportVault(ReportSource, Protocol):
    """What export needs of the vault beyond reading items."""

    @property
    def vault_id(self) -> str: ...
    @property
    def holder(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...

    def identity(self) -> Any: ...
    def log_event(self, event: str, item: Item | None = None, **details: Any) -> Any: ...


def _heading(vault: ReportVault, table: ReportTable, lang: str) -> list[tuple[str, str]]:
    made = now_utc().replace(microsecond=0)
    return [
        (tr("reports.head.made", lang), f"{kst(made.isoformat())} "
                                         f"({made.strftime('%H:%M:%S')} UTC)"),
        (tr("reports.head.holder", lang), vault.holder),
        (tr("reports.head.vault", lang), vault.vault_id),
        (tr("reports.head.fingerprint", lang), display_fingerprint(vault.fingerprint)),
        (tr("reports.head.count", lang), tr("reports.head.count_value", lang,
                                            rows=len(table.rows), items=len(table.items))),
    ]


def export_report(vault: ReportVault, kind: str, out_dir: Path, *,
                  items: list[int] | None = None, lang: str = "ko",
                  part_mb: float = DEFAULT_PART_MB, force: bool = False,
                  progress: Progress | None = None) -> ReportResult:
    """Write one list into ``out_dir`` (created when missing; its parent must exist).

    :param kind: ``deletion``, ``kcsc``, ``police`` or ``hashes``.
    :param items: item numbers (default: every live item the list takes).
    :param part_mb: the police pack's largest file, in MB (10 by default).
    :param force: replace files of an earlier export of the same list.
    :raises InputError: unknown kind, bad item numbers, files already there.
    """
    if kind not in KINDS:
        raise InputError("reports.bad_kind", kind=kind, kinds=", ".join(KINDS))
    if not part_mb or part_mb <= 0:
        raise InputError("reports.bad_limit", mb=part_mb)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError("reports.out_not_folder", path=str(out_dir))
    if not out_dir.parent.is_dir():
        raise InputError("bundle.out_dir_missing", path=str(out_dir.parent))
    stem = FILE_STEMS[kind]
    targets = [out_dir / f"{stem}.xlsx", out_dir / f"{stem}.pdf"]
    if out_dir.is_dir():
        clash = [p for p in targets if p.exists()]
        if kind == "police" and any(out_dir.iterdir()):
            raise InputError("reports.police_folder_not_empty", path=str(out_dir))
        if clash and not force:
            raise InputError("error.file_exists", path=str(clash[0]))
    try:
        out_dir.mkdir(exist_ok=True)
    except OSError as exc:
        raise storage_error(exc, out_dir) from exc

    def t(key: str) -> str:
        return tr(key, lang)

    table = build_table(vault, kind, items, t, progress)
    if not table.items:
        raise InputError("reports.nothing", kind=t(f"reports.kind.{kind}"))
    pack: list[Any] = []
    if kind == "police":
        pack = build_pack(vault, table, out_dir, int(part_mb * 1024 * 1024), progress)
    title = t(f"reports.kind.{kind}")
    heading = _heading(vault, table, lang)
    header = [t(f"reports.col.{c.key}") for c in table.columns]
    from evidencekit.reports.pdf import pdf_bytes
    from evidencekit.reports.xlsx import xlsx_bytes

    key, cert = vault.identity()
    outputs = {
        targets[0]: xlsx_bytes(table, title, heading, header),
        targets[1]: pdf_bytes(table, title, heading, header,
                              footer=f"EvidenceKit · {title}", page_label=t("reports.page"),
                              note=t(f"reports.note.{kind}"), key=key, cert=cert,
                              signer_name=vault.holder),
    }
    files = [ReportFile(p.name, p.size, p.sha256) for p in pack]
    for path, data in outputs.items():
        write_atomic(path, data, mode=0o644)
        files.append(ReportFile(path.name, len(data), hashlib.sha256(data).hexdigest()))
    vault.log_event("report_exported", None, report=kind, items=table.items,
                    rows=len(table.rows),
                    files=[{"name": f.name, "size": f.size, "sha256": f.sha256}
                           for f in files])
    log.info("report %s written (%d rows)", kind, len(table.rows))
    return ReportResult(kind, out_dir, len(table.rows), table.items, files)
