"""Bundles end to end with a real vault: demo, export options, timestamps from a local TSA,
verification by evidencekit and by poppler, tampering."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.support.tsa_server import LocalTSA, block_internet
from tests.support.vault_util import add_bytes, open_vault


def _pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    res = run_cli("demo", folder, "--no-render")
    assert res.code == 0, res.err
    return folder


def test_demo_bundle_verifies(demo: Path, tmp_path: Path) -> None:
    bundle = demo / "demo-bundle.pdf"
    res = run_cli("verify", bundle)
    assert res.code == 10, res.out  # intact; the signer is confirmed by nobody yet
    fingerprint = json.loads(run_cli("verify", bundle, "--json").out)["fingerprint"]
    res = run_cli("verify", bundle, "--expect-fingerprint", fingerprint)
    assert res.code == 0, res.out
    assert "Signature is Valid" in _pdfsig(bundle)
    out = tmp_path / "x"
    out.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(bundle)], check=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    text = subprocess.run(["pdftotext", str(bundle), "-"], capture_output=True,
                          text=True).stdout
    assert "제 얼굴을 합성한 사진이" in text.replace("\n", "")
    checked = 0
    for item in manifest["items"]:
        for part in item["parts"]:
            name = part.get("file") or part.get("attachment")
            if name and (out / name).exists():
                assert hashlib.sha256((out / name).read_bytes()).hexdigest() == part["sha256"]
                assert part["sha256"] in text.replace("\n", "").replace(" ", "")
                checked += 1
    assert checked >= 5


def test_export_selected_items_no_originals(demo: Path, tmp_path: Path, monkeypatch) -> None:
    from evidencekit.demo import DEMO_PASSPHRASE

    vault = tmp_path / "v"
    shutil.copytree(demo / "demo-vault", vault)
    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", DEMO_PASSPHRASE)
    out = tmp_path / "b.pdf"
    res = run_cli("export", vault, out, "--items", "1,3-4", "--no-originals", "--lang", "ko",
                  "--title", "사건 2026-001")
    assert res.code == 0, res.err
    report = json.loads(run_cli("verify", out, "--json").out)
    assert report["intact"] is True and report["exit_code"] == 10  # --no-originals verifies
    assert [i["number"] for i in report["items"]] == [1, 3, 4]
    listing = subprocess.run(["pdfdetach", "-list", str(out)], capture_output=True,
                             text=True).stdout
    assert "original" not in listing and "manifest.json" in listing
    from evidencekit.vault import Vault

    with Vault.open(vault, passphrase=DEMO_PASSPHRASE) as v:
        last = v.events()[-1]
        assert last.kind == "exported" and last.body["items"] == [1, 3, 4]
        assert last.body["bundle_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()


def test_bad_item_range_is_clear(demo: Path, monkeypatch) -> None:
    from evidencekit.demo import DEMO_PASSPHRASE

    monkeypatch.setenv("EVIDENCEKIT_PASSPHRASE", DEMO_PASSPHRASE)
    res = run_cli("export", demo / "demo-vault", demo / "never.pdf", "--items", "1,x")
    assert res.code == 2 and "Traceback" not in res.err
    assert not (demo / "never.pdf").exists()


def test_timestamped_items_and_document_timestamp(vault_dir: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    block_internet(monkeypatch)
    with open_vault(vault_dir) as v:
        add_bytes(v, b"evidence one", source="one.bin")
        add_bytes(v, "증거 둘".encode(), source="둘.txt")
    with LocalTSA(tmp_path / "tsa") as tsa:
        res = run_cli("timestamp", vault_dir, "--tsa", tsa.url, "--tsa-ca", tsa.root_pem_path,
                      "--save")
        assert res.code == 0, res.err
        out = tmp_path / "stamped.pdf"
        # the roots saved with "timestamp --save" are used: no --tsa-ca needed
        res = run_cli("export", vault_dir, out)
        assert res.code == 0, res.err
        assert "document timestamp was added" in res.out
    report = json.loads(run_cli("verify", out, "--json", "--tsa-ca", tsa.root_pem_path).out)
    assert report["intact"] is True, report
    verdicts = {c["name"]: c["ok"] for c in report["checks"]}
    for name in ("timestamp.document", "signature.timestamp", "timestamps.tokens",
                 "custody.items", "custody.timestamps"):
        assert verdicts.get(name) is True, (name, verdicts)
    # without the local TSA's root every timestamp is from an untrusted authority
    res = run_cli("verify", out)
    assert res.code == 3
    assert "untrusted time-stamp authority" in res.out
    assert "document timestamp from an untrusted authority" in res.out
    listing = subprocess.run(["pdfdetach", "-list", str(out)], capture_output=True,
                             text=True).stdout
    assert ".tsr" in listing
    # openssl verifies an extracted part against its extracted token
    ex = tmp_path / "ex"
    ex.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(ex), str(out)], check=True)
    tsr = sorted(ex.glob("*.tsr"))
    assert tsr
    manifest = json.loads((ex / "manifest.json").read_text(encoding="utf-8"))
    part = manifest["items"][0]["parts"][0]
    data_name = part.get("file") or part.get("attachment")
    token_name = (part.get("timestamp") or {}).get("token_file")
    assert data_name and token_name, part
    chain = tmp_path / "chain.pem"
    chain.write_bytes(Path(tsa.chain_pem_path).read_bytes())
    proc = subprocess.run(["openssl", "ts", "-verify", "-data", str(ex / data_name), "-in",
                           str(ex / token_name), "-CAfile", str(chain)],
                          capture_output=True, text=True)
    assert "Verification: OK" in proc.stdout, proc.stdout + proc.stderr


def test_tampered_bundle_exits_3(demo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    data = bytearray((demo / "demo-bundle.pdf").read_bytes())
    data[len(data) // 3] ^= 0x01
    bad.write_bytes(bytes(data))
    res = run_cli("verify", bad)
    assert res.code == 3
    assert "Traceback" not in res.err
    assert "Signature is Valid" not in _pdfsig(bad)


def test_verify_garbage_is_clear(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    res = run_cli("verify", junk)
    assert res.code == 3 and "Traceback" not in res.out + res.err
    res = run_cli("verify", tmp_path / "missing.pdf")
    assert res.code in (2, 3) and "Traceback" not in res.out + res.err


def test_verify_expect_fingerprint(demo: Path, tmp_path: Path) -> None:
    bundle = demo / "demo-bundle.pdf"
    report = json.loads(run_cli("verify", bundle, "--json").out)
    fingerprint = report["fingerprint"]
    res = run_cli("verify", bundle)
    assert res.code == 10 and "--expect-fingerprint" in res.out.splitlines()[-1]
    colons = ":".join(fingerprint[i:i + 2] for i in range(0, 64, 2))
    res = run_cli("verify", bundle, "--expect-fingerprint", colons.lower())
    assert res.code == 0, res.out
    other = ("0" if fingerprint[0] != "0" else "1") + fingerprint[1:]
    res = run_cli("verify", bundle, "--expect-fingerprint", other)
    assert res.code == 3 and "different certificate" in res.out
    res = run_cli("verify", bundle, "--expect-fingerprint", "12:34")
    assert res.code == 2 and "not a signer fingerprint" in res.err
    from evidencekit.vault.identity import short_fingerprint

    res = run_cli("verify", bundle, "--expect-fingerprint", short_fingerprint(fingerprint))
    assert res.code == 0, res.out
    junk = tmp_path / "roots.pem"
    junk.write_text("no certificate here")
    res = run_cli("verify", bundle, "--tsa-ca", junk)
    assert res.code == 2 and "Traceback" not in res.err
