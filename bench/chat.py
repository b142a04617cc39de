"""Chat export benchmark: import a Telegram JSON export of 100,000 messages and 2,000
photos (about 500 MB) as one chat item, beside ``evidencekit add`` of the same files
(one item each) into another vault; peak memory of the import; opening the chat view of
that item. The export is generated in a child process (so its memory does not count) in
the bench folder, which the bench removes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Row, bench_dir, main_rows, peak_rss_mb, reset_peak_rss

PASS = "benchmark passphrase"
MESSAGES = 100_000
PHOTOS = 2_000
PHOTO_SIZE = 250_000


def generate(folder: Path) -> None:
    """Write the export (run in a child process)."""
    from tests.support.chat_exports import telegram_messages

    folder.mkdir(parents=True, exist_ok=True)
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    messages = telegram_messages(MESSAGES, photos=PHOTOS, folder=None)
    n = 0
    for msg in messages:
        if "photo" in msg:
            path = folder / str(msg["photo"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(head + os.urandom(PHOTO_SIZE - len(head) - 2) + b"\xff\xd9")
            n += 1
    doc = {"name": "벤치마크 대화방", "type": "private_supergroup", "id": 1, "messages": messages}
    with (folder / "result.json").open("w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1)
    assert n == PHOTOS, n


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def chat_rows() -> list[Row]:
    from evidencekit.capture.chat.importer import import_chat
    from evidencekit.capture.files import iter_import
    from evidencekit.vault import Vault

    base = bench_dir() / "chat"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    export = base / "ChatExport"
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root))
    subprocess.run([sys.executable, "-c", f"from bench.chat import generate; "
                    f"from pathlib import Path; generate(Path({str(export)!r}))"],
                   check=True, cwd=root, env=env)
    total_mb = _size(export) / 1e6
    try:
        # evidencekit add of the same files (what `add` does, one item per file)
        va, _ = Vault.create(base / "vault-add", PASS, "bench")
        os.sync()
        t = time.perf_counter()
        added = 0
        for outcome in iter_import([export]):
            if outcome.item is not None:
                va.add_item(outcome.item)
                added += 1
        t_add = time.perf_counter() - t
        va.close()
        shutil.rmtree(base / "vault-add", ignore_errors=True)

        vc, _ = Vault.create(base / "vault-chat", PASS, "bench")
        os.sync()
        reset_peak_rss()
        before = peak_rss_mb()
        t = time.perf_counter()
        item, prepared = import_chat(vc, export)
        t_chat = time.perf_counter() - t
        peak = peak_rss_mb()
        messages = prepared.summary["messages"]
        vc.close()
        t_view = _open_view(base / "vault-chat", item.number)
    finally:
        shutil.rmtree(export, ignore_errors=True)
    ratio = t_chat / t_add
    return [
        Row(f"import-chat {MESSAGES:,} msgs + {PHOTOS:,} photos ({total_mb:.0f} MB)",
            f"{t_chat:.1f} s ({messages:,} messages)",
            f"add of the same {added:,} files {t_add:.1f} s = {ratio:.2f}×", "≤ 1.5× add",
            ratio <= 1.5),
        Row("peak RSS importing the chat (process, after KDF)", f"{peak:.0f} MB",
            f"{peak - before:.0f} MB above the unlocked vault", "< 300 MB", peak < 300),
        Row(f"open the chat view ({MESSAGES:,} messages)", f"{t_view:.2f} s",
            "decrypt + parse the transcript + first paint", "< 1 s", t_view < 1.0),
    ]


def _open_view(vault_dir: Path, number: int) -> float:
    from PySide6.QtWidgets import QApplication

    from evidencekit.capture.chat.transcript import load_transcript
    from evidencekit.gui.chat_view import ChatView
    from evidencekit.vault import Vault

    app = QApplication.instance() or QApplication([])
    vault = Vault.open(vault_dir, passphrase=PASS, writable=False)
    try:
        item = vault.item(number)
        t = time.perf_counter()
        transcript = load_transcript(vault, item)
        view = ChatView(item, transcript, lambda i: vault.read_part_bytes(item, i))
        view.show()
        app.processEvents()
        view.grab()
        elapsed = time.perf_counter() - t
        view.close()
    finally:
        vault.close()
    return elapsed


if __name__ == "__main__":
    main_rows({"chat": chat_rows})
