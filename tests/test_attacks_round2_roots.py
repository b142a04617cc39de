"""Round-2 attacks on the roots ``verify`` trusts: the command line reads the roots saved
in the examiner's own settings (``trusted_roots``, ``trusted_tsa_roots``), and nothing a
forger ships beside the bundle - a ``settings.json`` in the bundle's folder or side
folder, PEM files named like roots, the current folder being the bundle's - may add to
them. The output names every root it trusted and where it came from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from evidencekit.bundle.export import export_bundle
from evidencekit.settings import FILE_NAME, Settings, config_dir
from tests.conftest import run_cli
from tests.support import bundle_attacks as atk
from tests.support.bundle_fake import FakeVault, make_tsa


def _forged_bundle(folder: Path) -> tuple[Path, str, str]:
    """A bundle stamped by the forger's own authority; returns it, the authority's root
    and the holder's fingerprint."""
    vault = FakeVault()
    vault.add("file", "file", "a.txt", [("a.txt", "text/plain", b"evidence")])
    stamper, pem = make_tsa()
    out = folder / "bundle.pdf"
    result = export_bundle(vault, out, timestamper=stamper)
    return out, pem, result.fingerprint


def _plant(folder: Path, tsa_pem: str, signer_pem: str) -> None:
    """Everything a forger can leave beside the bundle that looks like trust settings."""
    settings = {"trusted_tsa_roots": [tsa_pem], "trusted_roots": [signer_pem]}
    for where in (folder, folder / "bundle-files", folder / "EvidenceKit",
                  folder / ".config" / "EvidenceKit"):
        where.mkdir(parents=True, exist_ok=True)
        (where / FILE_NAME).write_text(json.dumps(settings))
        for name in ("tsa.pem", "tsa-ca.pem", "trust-ca.pem", "trusted_tsa_roots.pem",
                     "root.pem"):
            (where / name).write_text(tsa_pem + signer_pem)


def test_roots_beside_the_bundle_are_never_read(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "received"
    folder.mkdir()
    bundle, tsa_pem, fp = _forged_bundle(folder)
    _ca_key, signer_root = atk.make_ca("Seoul Support Centre Root")
    _plant(folder, tsa_pem, signer_root.public_bytes(serialization.Encoding.PEM).decode())
    monkeypatch.chdir(folder)  # the examiner works in the folder the bundle came in
    res = run_cli("verify", bundle, "--expect-fingerprint", fp)
    assert res.code == 3, res.out
    assert "EvidenceKit Test TSA" in res.out and "NOT" in res.out.upper()
    data = json.loads(run_cli("verify", bundle, "--json", "--expect-fingerprint", fp).out)
    assert data["exit_code"] == 3
    assert data["roots_used"] == [] and data["public_tsa_roots"] > 0
    assert "verify_trust.sig_timestamp_untrusted" in [c["key"] for c in data["checks"]
                                                      if c["ok"] is False]
    head = res.out.split("\n\n", 1)[0]
    assert head.splitlines() == [
        "Roots trusted for this check (read only from the command line and your settings, "
        "never from beside the bundle):",
        "  signer roots: none (only --expect-fingerprint can confirm the signer)",
        f"  time-stamp authority roots: the public roots the program ships "
        f"({data['public_tsa_roots']})"]


def test_output_names_each_root_and_where_it_came_from(tmp_path: Path) -> None:
    """The examiner's own settings and options: each root listed with its name,
    fingerprint and source (the settings file's path, or the option and file)."""
    from cryptography import x509

    from evidencekit.vault.identity import fingerprint, format_fingerprint

    bundle, tsa_pem, fp = _forged_bundle(tmp_path)
    settings = Settings.load(config_dir() / FILE_NAME)
    settings.set("trusted_tsa_roots", [tsa_pem])
    settings.save()
    _ca_key, signer_root = atk.make_ca("Seoul Support Centre Root")
    ca_file = tmp_path / "centre.pem"
    ca_file.write_bytes(signer_root.public_bytes(serialization.Encoding.PEM))
    res = run_cli("verify", bundle, "--expect-fingerprint", fp, "--trust-ca", ca_file)
    assert res.code == 0, res.out
    tsa_fp = format_fingerprint(fingerprint(x509.load_pem_x509_certificate(tsa_pem.encode())))
    assert (f"  time-stamp authority root: EvidenceKit Test TSA - SHA-256 {tsa_fp} "
            f"(settings file {config_dir() / FILE_NAME})") in res.out
    assert (f"  signer root: Seoul Support Centre Root - SHA-256 "
            f"{format_fingerprint(fingerprint(signer_root))} (command line --trust-ca "
            f"{ca_file})") in res.out
    ko = run_cli("--lang", "ko", "verify", bundle, "--expect-fingerprint", fp)
    assert ko.code == 0 and f"(설정 파일 {config_dir() / FILE_NAME})" in ko.out
    assert "서명자 루트: 없음" in ko.out and "verify_round2" not in ko.out
    data = json.loads(run_cli("verify", bundle, "--json", "--expect-fingerprint", fp).out)
    assert [(r["role"], r["source"], r["subject"]) for r in data["roots_used"]] == [
        ("tsa", "settings", "EvidenceKit Test TSA")]


def test_tsa_root_given_on_the_command_line_is_named(tmp_path: Path) -> None:
    bundle, tsa_pem, fp = _forged_bundle(tmp_path)
    tsa_file = tmp_path / "tsa.pem"
    tsa_file.write_text(tsa_pem)
    res = run_cli("verify", bundle, "--expect-fingerprint", fp, "--tsa-ca", tsa_file)
    assert res.code == 0, res.out
    assert "  time-stamp authority root: EvidenceKit Test TSA - SHA-256 " in res.out
    assert f"(command line --tsa-ca {tsa_file})" in res.out
    assert "settings file" not in res.out.split("\n\n", 1)[0]
