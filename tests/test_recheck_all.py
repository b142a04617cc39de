"""Every link of a case re-checked at once against local servers: still online, changed
(the page's SHA-256 differs from the capture's), taken down, or unknown; a results table,
one custody event per link, and the reporting lists show the latest status."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from evidencekit.model import NewItem
from tests.conftest import run_cli
from tests.support.links_servers import KO_PAGE, LinkServers
from tests.support.vault_util import open_vault


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("recheck")) as s:
        yield s


def _link(vault, url: str, body_sha256: str | None) -> int:  # type: ignore[no-untyped-def]
    meta = {"url": url, "page_title": url}
    if body_sha256:
        meta["body_sha256"] = body_sha256
    return vault.add_item(NewItem(kind="link", title=url, source=url, metadata=meta,
                                  parts=[], pending=True)).number


def test_recheck_all_table_events_and_lists(vault_dir: Path, tmp_path: Path,
                                            servers: LinkServers) -> None:
    with open_vault(vault_dir) as v:
        same = _link(v, servers.http.url("/ko"), hashlib.sha256(KO_PAGE).hexdigest())
        changed = _link(v, servers.http.url("/chunked"), "0" * 64)
        gone = _link(v, servers.http.url("/gone"), "1" * 64)
        unknown = _link(v, "http://127.0.0.1:9/nothing-listens-here", None)
    res = run_cli("recheck-all", vault_dir, "--timeout", "5")
    assert res.code == 0, res.err
    lines = {line.split()[0]: line for line in res.out.splitlines() if line.startswith("#")}
    assert "still online" in lines[f"#{same}"]
    assert "online, page changed" in lines[f"#{changed}"]
    assert "taken down" in lines[f"#{gone}"] and " 410 " in lines[f"#{gone}"]
    assert "could not tell" in lines[f"#{unknown}"]
    assert "Still online: 1, changed: 1, taken down: 1, could not tell: 1." in res.out
    with open_vault(vault_dir, writable=False) as v:
        events = {e.body["item_number"]: e.body for e in v.events()
                  if e.kind == "link_rechecked"}
    assert events[same]["page_changed"] is False
    assert events[changed]["page_changed"] is True
    assert events[changed]["status"] == "online"  # the established statuses stay as they were
    assert "page_changed" not in events[gone]
    out = tmp_path / "lists"
    assert run_cli("report", vault_dir, "deletion", out).code == 0
    ws = load_workbook(out / "deletion-support-list.xlsx").active
    status = {r[5]: r[9] for r in ws.iter_rows(values_only=True) if str(r[5]).startswith("#")}
    assert status[f"#{same}"].startswith("게시 중 (")
    assert status[f"#{changed}"].startswith("게시 중(내용 변경)")
    assert status[f"#{gone}"].startswith("게시 중단")
    assert status[f"#{unknown}"].startswith("확인 불가")
    js = json.loads(run_cli("recheck-all", vault_dir, "--items", str(gone), "--json",
                            "--no-compare").out)
    assert js == [{"number": gone, "url": servers.http.url("/gone"), "status": "gone",
                   "http_status": 410, "detail": "HTTP 410"}]


def test_recheck_all_refuses_other_items(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        note = v.add_item(NewItem(kind="incident", title="t", source="", parts=[],
                                  pending=True)).number
    res = run_cli("recheck-all", vault_dir, "--items", str(note))
    assert res.code == 2 and "Traceback" not in res.err
    empty = run_cli("recheck-all", vault_dir)
    assert empty.code == 0 and "There is no link to check." in empty.out
