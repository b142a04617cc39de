"""F7: verify checks the items and their timestamps against the custody chain the bundle
carries. Each test forges one thing a holder editing her own vault could change (an item's
file after it was recorded, a timestamp claimed without token, a token the log never
received, a log timestamp over another head) and asserts that verify names the failure.
A real vault's bundle (imported, captured, link fetched later, timestamped) passes."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.verify import VerifyReport, verify_bundle
from evidencekit.bundle.verify_report import format_report
from evidencekit.model import NewItem, Part, PartInput
from evidencekit.timestamps.queue import timestamp_vault
from tests.support.bundle_fake import FakeVault, make_tsa, screenshot_png, token_for
from tests.support.tsa_server import LocalTSA, block_internet
from tests.support.vault_util import add_bytes, open_vault

CAPTURED = datetime(2024, 8, 30, 5, 10, tzinfo=UTC)  # the first item's time in FakeVault
SHOT = screenshot_png(320, 200, seed=4)


def check(report: VerifyReport, name: str):  # type: ignore[no-untyped-def]
    return next(c for c in report.checks if c.name == name)


def part_lines(report: VerifyReport, number: int) -> list[str]:
    item = next(i for i in report.items if i.number == number)
    return [p.detail_text("en") for p in item.parts if p.ok is False]


def stamped_vault(when: datetime = CAPTURED, *, time_shown: datetime | None = None,
                  ) -> tuple[FakeVault, str]:
    """A FakeVault with one screenshot whose token (from a test TSA) says ``when``."""
    stamper, pem = make_tsa(when=when)
    vault = FakeVault()
    token = token_for(stamper, SHOT)
    record = {"tsa": "EvidenceKit Test TSA", "time": (time_shown or when).isoformat(),
              "status": "verified", "chain_pem": pem, "trusted": True,
              "token": base64.b64encode(token).decode()}
    vault.add("screenshot", "chat", "Telegram", [("screenshot.png", "image/png", SHOT)],
              timestamps={0: record})
    return vault, pem


def test_honest_fake_vault_bundle_passes(tmp_path: Path) -> None:
    vault, pem = stamped_vault()
    vault.add("file", "doc", "a.txt", [("a.txt", "text/plain", b"plain evidence")])
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert report.intact, format_report(report, "en")
    assert check(report, "custody.items").ok is True
    assert check(report, "timestamps.tokens").ok is True


def test_item_changed_after_it_was_recorded_fails(tmp_path: Path) -> None:
    """The holder swaps item 1's file (a re-sealed record, the chain untouched): the item
    no longer matches the item_imported event that recorded it."""
    vault = FakeVault()
    item = vault.add("file", "photo", "orig.png", [("orig.png", "image/png", b"ORIGINAL")])
    fabricated = b"DIFFERENT, fabricated bytes"
    vault._blobs["swapped"] = fabricated
    part = Part(name="orig.png", media_type="image/png",
                sha256=hashlib.sha256(fabricated).hexdigest(), size=len(fabricated),
                blob="swapped")
    vault._items[1] = replace(item, parts=[part])
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out)
    assert not report.ok and report.exit_code == 3
    items = check(report, "custody.items")
    assert items.ok is False
    assert "#1 (hash differs, parts differ)" in items.detail_text("en")
    assert any("custody event" in line for line in part_lines(report, 1))
    # everything else still holds: this is exactly what used to pass
    assert check(report, "attachments.hashes").ok is True
    assert check(report, "custody.chain").ok is True


def test_item_number_changed_fails(tmp_path: Path) -> None:
    vault = FakeVault()
    vault.add("file", "one", "1.txt", [("1.txt", "text/plain", b"one")])
    two = vault.add("file", "two", "2.txt", [("2.txt", "text/plain", b"two")])
    vault._items[1] = replace(two, number=1)
    del vault._items[2]
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out)
    assert "number differs" in check(report, "custody.items").detail_text("en")


def test_timestamp_claimed_without_token_fails(tmp_path: Path) -> None:
    """A record that says 'verified by DigiCert in 2020' but carries no token."""
    vault = FakeVault()
    vault.add("screenshot", "shot", "s.png", [("s.png", "image/png", SHOT)],
              timestamps={0: {"tsa": "DigiCert SHA256 RSA4096 Timestamp Responder 2025 1",
                              "time": "2020-01-01T00:00:00+00:00", "status": "verified"}})
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out)
    assert not report.ok
    tokens = check(report, "timestamps.tokens")
    assert tokens.ok is False and "no token attached" in tokens.detail_text("en")
    lines = part_lines(report, 1)
    assert any("states a timestamp" in line and "no token" in line for line in lines), lines


def test_token_the_custody_log_never_received_fails(tmp_path: Path) -> None:
    """A genuine, trusted token put into the record without its timestamp_received event."""
    stamper, pem = make_tsa(when=CAPTURED + timedelta(minutes=1))
    vault = FakeVault()
    item = vault.add("screenshot", "shot", "s.png", [("s.png", "image/png", SHOT)])
    token = token_for(stamper, SHOT)
    ts = {"tsa": "EvidenceKit Test TSA", "time": (CAPTURED + timedelta(minutes=1)).isoformat(),
          "status": "verified", "token": base64.b64encode(token).decode(), "chain_pem": pem}
    vault._items[1] = replace(item, parts=[replace(item.parts[0], timestamp=ts)])
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert not report.ok
    assert "no custody event" in check(report, "timestamps.tokens").detail_text("en")


def test_printed_time_differs_from_token_fails(tmp_path: Path) -> None:
    vault, pem = stamped_vault(time_shown=datetime(2020, 1, 1, tzinfo=UTC))
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert not report.ok
    assert "time differs from the token" in check(report, "timestamps.tokens").detail_text("en")


def test_token_long_before_capture_fails(tmp_path: Path) -> None:
    vault, pem = stamped_vault(CAPTURED - timedelta(days=3))
    out = tmp_path / "b.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert not report.ok
    assert "more than a day before capture" in \
        check(report, "timestamps.tokens").detail_text("en")
    # a few hours before the holder's clock is within the slack
    vault, pem = stamped_vault(CAPTURED - timedelta(hours=5))
    export_bundle(vault, out)
    assert verify_bundle(out, trust_roots_pem=pem.encode()).intact


def _log_stamp(vault: FakeVault, stamper, pem: str, *, over: str | None = None) -> None:  # type: ignore[no-untyped-def]
    head = vault.log_head()
    token = token_for_digest(stamper, bytes.fromhex(over or head["hash"]))
    vault.log_event("log_timestamped", head_seq=head["seq"], head_hash=head["hash"],
                    tsa="EvidenceKit Test TSA", status="verified", trusted=True,
                    token=base64.b64encode(token).decode(),
                    token_sha256=hashlib.sha256(token).hexdigest(), chain_pem=pem)


def token_for_digest(stamper, digest: bytes) -> bytes:  # type: ignore[no-untyped-def]
    import asyncio

    from asn1crypto import tsp

    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


def test_log_timestamps_verified(tmp_path: Path) -> None:
    stamper, pem = make_tsa()
    vault = FakeVault()
    vault.add("file", "doc", "a.txt", [("a.txt", "text/plain", b"evidence")])
    _log_stamp(vault, stamper, pem)
    out = tmp_path / "good.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert report.intact, format_report(report, "en")
    assert check(report, "custody.timestamps").ok is True
    # untrusted authority: the log timestamp fails too
    assert "untrusted chain" in check(verify_bundle(out), "custody.timestamps").detail_text("en")

    # a token over another hash than the head it names
    vault.add("file", "later", "b.txt", [("b.txt", "text/plain", b"more")])
    _log_stamp(vault, stamper, pem, over="00" * 32)
    out = tmp_path / "bad.pdf"
    export_bundle(vault, out)
    report = verify_bundle(out, trust_roots_pem=pem.encode())
    assert not report.ok
    detail = check(report, "custody.timestamps").detail_text("en")
    assert "imprint mismatch" in detail and "event 6" in detail


def test_real_vault_bundle_matches_its_custody_log(vault_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The real event shapes: item_imported, item_captured, a link recorded offline and
    fetched later (link_fetched), timestamp_received per part and log_timestamped."""
    block_internet(monkeypatch)
    with open_vault(vault_dir) as v:
        add_bytes(v, b"imported evidence", source="one.bin")
        add_bytes(v, b"\x89PNG captured", name="screenshot.png", kind="screenshot")
        link = v.add_item(NewItem(kind="link", title="post", source="https://example.test/p",
                                  parts=[], pending=True))
        v.complete_pending(link.number, [PartInput(name="summary.json",
                                                   media_type="application/json",
                                                   data=b'{"status": 200}')],
                           {"url": "https://example.test/p"})
        with LocalTSA(tmp_path / "tsa") as tsa:
            v.set_setting("tsa_roots_pem", tsa.root_pem.decode())
            run = timestamp_vault(v, urls=[tsa.url])
            assert run.error is None and run.log_stamped and len(run.stamped) == 3
        out = tmp_path / "real.pdf"
        export_bundle(v, out)
    report = verify_bundle(out, trust_roots_pem=tsa.root_pem)
    assert report.intact, format_report(report, "en")
    for name in ("custody.items", "custody.timestamps", "timestamps.tokens"):
        assert check(report, name).ok is True, name
    assert "3 items" in check(report, "custody.items").detail_text("en")
    assert report.manifest is not None
    kinds = [r["body"]["event"] for r in report.manifest["custody"]["records"] if "body" in r]
    assert {"item_imported", "item_captured", "link_fetched", "timestamp_received",
            "log_timestamped"} <= set(kinds), json.dumps(kinds)
