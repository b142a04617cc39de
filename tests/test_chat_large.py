"""A 100 MB ``result.json`` is stream-parsed: the process never holds the file, its peak
memory stays far below the file's size plus the interpreter, and every message is read."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.chat_exports import SENDERS, TEXTS

_PROBE = """
import sys, json
from pathlib import Path
from evidencekit.capture.chat.importer import prepare_chat
def rss():
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) // 1024
base = rss()
p = prepare_chat(sys.argv[1])
print(json.dumps({"base": base, "peak": rss(), "messages": p.summary["messages"],
                  "transcript": len(p.item.parts[-1].data)}))
"""


@pytest.mark.slow
def test_100mb_result_json_streams(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    rng = random.Random(7)
    path = folder / "result.json"
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"name": "큰 방", "type": "public_supergroup", "id": 5, "messages": [\n')
        while fh.tell() < 100 * 1024 * 1024:
            sender, sid = SENDERS[count % len(SENDERS)]
            text = " ".join(f"{rng.choice(TEXTS)} #{rng.randrange(10**6)}" for _ in range(12))
            msg = {"id": count + 1, "type": "message", "date": "2024-08-27T15:15:02",
                   "date_unixtime": str(1724739302 + count), "from": sender, "from_id": sid,
                   "text": text, "text_entities": [{"type": "plain", "text": text}]}
            fh.write(("," if count else "") + json.dumps(msg, ensure_ascii=False) + "\n")
            count += 1
        fh.write("]}\n")
    size_mb = path.stat().st_size / 1024 / 1024
    out = subprocess.run([sys.executable, "-c", _PROBE, str(folder)], capture_output=True,
                         text=True, cwd=ROOT, timeout=600, check=True).stdout
    result = json.loads(out)
    assert result["messages"] == count
    grown = result["peak"] - result["base"]
    assert grown < size_mb * 0.6, (grown, size_mb, result)
