"""WACZ export of web captures: `evidencekit export-wacz` writes a WACZ that py-wacz's
`wacz validate` accepts, whose anonymous signature verifies (as the WACZ signing spec
does it, checked here independently with pyca/cryptography), whose CDXJ index and pages
list name every capture; `evidencekit verify FILE.wacz` passes it (0 with the expected
fingerprint, 10 without) and names each tampering: a changed WARC, a changed manifest,
an added file, a forged signature."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from evidencekit.bundle.verify_wacz import verify_wacz
from evidencekit.capture.links import capture_link
from evidencekit.vault.identity import fingerprint as identity_fingerprint
from tests.conftest import run_cli
from tests.support.links_servers import LinkServers
from tests.support.vault_util import open_vault


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkServers]:
    with LinkServers(tmp_path_factory.mktemp("wacz")) as s:
        yield s


@pytest.fixture
def exported(vault_dir: Path, servers: LinkServers, tmp_path: Path) -> tuple[Path, str, list[int]]:
    with open_vault(vault_dir) as v:
        numbers = [v.add_item(capture_link(servers.https.url(p), ca_file=servers.ca_file,
                                           render=False, timeout=10)).number
                   for p in ("/r1", "/site", "/gone")]
        fingerprint = identity_fingerprint(v.identity()[1])
    out = tmp_path / "captures.wacz"
    res = run_cli("export-wacz", vault_dir, out, "--no-timestamp")
    assert res.code == 0, res.err
    assert "SHA-256" in res.out
    return out, fingerprint, numbers


def test_wacz_layout_and_signature(exported: tuple[Path, str, list[int]]) -> None:
    out, fingerprint, numbers = exported
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
        assert {f"archive/item-{n}.warc.gz" for n in numbers} <= names
        assert {"indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json",
                "datapackage-digest.json"} <= names
        package = json.loads(z.read("datapackage.json"))
        digest = json.loads(z.read("datapackage-digest.json"))
        pages = [json.loads(line) for line in z.read("pages/pages.jsonl").splitlines()]
        cdxj = z.read("indexes/index.cdxj").decode().splitlines()
        for res in package["resources"]:
            data = z.read(res["path"])
            assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert res["bytes"] == len(data)
        assert digest["hash"] == "sha256:" + hashlib.sha256(z.read("datapackage.json")).hexdigest()
    assert pages[0]["format"] == "json-pages-1.0" and len(pages) == 1 + len(numbers)
    assert any(p.get("url", "").endswith("/ko") for p in pages[1:])  # /r1's final URL
    assert sorted(cdxj) == cdxj and any("/site" in line for line in cdxj)
    assert package["evidencekit"]["signer_sha256"] == fingerprint
    # The anonymous signature, checked as the WACZ signing specification describes it.
    signed = digest["signedData"]
    key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
    assert isinstance(key, ec.EllipticCurvePublicKey)
    raw = base64.b64decode(signed["signature"])
    key.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                    int.from_bytes(raw[32:], "big")),
               signed["hash"].encode(), ec.ECDSA(hashes.SHA256()))
    assert signed["created"] == package["created"]


def test_py_wacz_validates_it(exported: tuple[Path, str, list[int]]) -> None:
    out, _, _ = exported
    if importlib.util.find_spec("wacz") is None:
        pytest.fail("py-wacz is needed for this test: pip install wacz")
    proc = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation succeeded" in proc.stdout


def test_verify_command_passes_an_intact_wacz(exported: tuple[Path, str, list[int]]) -> None:
    out, fingerprint, _ = exported
    res = run_cli("verify", out)
    assert res.code == 10, res.out + res.err  # intact, signer not confirmed
    res = run_cli("verify", out, "--expect-fingerprint", fingerprint)
    assert res.code == 0, res.out + res.err
    res = run_cli("verify", out, "--expect-fingerprint", "00" * 32)
    assert res.code == 3


def _rewrite(src: Path, dst: Path, change: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename in change:
                data = change.pop(info.filename)
                if data is None:
                    continue
            else:
                data = zin.read(info.filename)
            zout.writestr(info, data)
        for name, data in change.items():
            if data is not None:
                zout.writestr(name, data)


def _flip(data: bytes, at: int) -> bytes:
    b = bytearray(data)
    b[at] ^= 0x01
    return bytes(b)


@pytest.mark.parametrize("attack", ["warc_byte", "manifest_edit", "added_file",
                                    "forged_signature", "resigned_by_other_key"])
def test_verify_names_each_tampering(exported: tuple[Path, str, list[int]], tmp_path: Path,
                                     attack: str) -> None:
    out, fingerprint, numbers = exported
    bad = tmp_path / f"{attack}.wacz"
    with zipfile.ZipFile(out) as z:
        warc_name = f"archive/item-{numbers[0]}.warc.gz"
        warc = z.read(warc_name)
        package = z.read("datapackage.json")
        digest = json.loads(z.read("datapackage-digest.json"))
    expect = {
        "warc_byte": "webcapture.verify.file_changed",
        "manifest_edit": "webcapture.verify.package_changed",
        "added_file": "webcapture.verify.file_extra",
        "forged_signature": "webcapture.verify.sig_bad",
        "resigned_by_other_key": "webcapture.verify.fp_mismatch",
    }[attack]
    if attack == "warc_byte":
        _rewrite(out, bad, {warc_name: _flip(warc, len(warc) // 2)})
    elif attack == "manifest_edit":
        _rewrite(out, bad, {"datapackage.json": package.replace(b"EvidenceKit web", b"Fake web")})
    elif attack == "added_file":
        _rewrite(out, bad, {"archive/extra.warc.gz": b"not evidence"})
    elif attack == "forged_signature":
        sig = base64.b64decode(digest["signedData"]["signature"])
        digest["signedData"]["signature"] = base64.b64encode(_flip(sig, 5)).decode()
        _rewrite(out, bad, {"datapackage-digest.json": json.dumps(digest).encode()})
    else:  # a forger re-signs a changed package with a key of their own (and its cert)
        from tests.support.bundle_fake import make_identity

        key, cert = make_identity("Forger")
        new_package = package.replace(b"EvidenceKit web", b"Forged web")
        h = "sha256:" + hashlib.sha256(new_package).hexdigest()
        from evidencekit.bundle.wacz import sign_hash

        digest["hash"] = h
        digest["signedData"].update(
            hash=h, signature=base64.b64encode(sign_hash(key, h)).decode(),
            publicKey=base64.b64encode(cert.public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo)).decode(),
            evidencekitCertificate=cert.public_bytes(serialization.Encoding.PEM).decode())
        _rewrite(out, bad, {"datapackage.json": new_package,
                            "datapackage-digest.json": json.dumps(digest).encode()})
    report = verify_wacz(bad, expect_fingerprint=fingerprint)
    assert report.exit_code == 3
    assert expect in [c.key for c in report.failed], [c.key for c in report.checks]


def test_signature_gets_an_rfc3161_token_when_a_tsa_answers(
        vault_dir: Path, servers: LinkServers, tmp_path: Path) -> None:
    from tests.support.tsa_server import LocalTSA

    with open_vault(vault_dir) as v:
        v.add_item(capture_link(servers.http.url("/ko"), render=False, timeout=10))
    out = tmp_path / "stamped.wacz"
    with LocalTSA(tmp_path / "tsa") as tsa:
        res = run_cli("export-wacz", vault_dir, out, "--tsa", tsa.url,
                      "--tsa-ca", tsa.root_pem_path)
        assert res.code == 0, res.err
        assert "RFC 3161" in res.out
        root = tsa.root_pem
    with zipfile.ZipFile(out) as z:
        signed = json.loads(z.read("datapackage-digest.json"))["signedData"]
    assert signed["timeSignature"] and "BEGIN CERTIFICATE" in signed["timestampCert"]
    report = verify_wacz(out, trust_roots_pem=root)
    assert [c.ok for c in report.checks if c.name == "time_signature"] == [True]
    # Without the TSA's root the token is intact but not trusted: named, and a failure.
    untrusted = verify_wacz(out)
    assert [c.ok for c in untrusted.checks if c.name == "time_signature"] == [False]
