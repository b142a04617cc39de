"""Signing with a certificate the holder brings: ``identity show`` and ``identity import``
(PKCS#12), the refusals (wrong passphrase, damaged file, RSA key, expired certificate, a key
usage that forbids signing, a CA certificate), the vault record and custody event, and
bundles signed with the imported key carrying its chain."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.reader import PdfFileReader

from evidencekit.errors import InputError
from evidencekit.vault import Vault
from evidencekit.vault.check import check_vault
from evidencekit.vault.custody import verify_head
from evidencekit.vault.identity import fingerprint, format_fingerprint, short_fingerprint
from evidencekit.vault.identity_import import load_issued_certificate, load_pkcs12
from tests.conftest import PASSPHRASE, run_cli
from tests.support.identity_certs import (
    P12_PASSPHRASE,
    good_p12,
    issue_leaf,
    make_ca,
    make_p12,
)
from tests.support.vault_util import add_bytes


@pytest.fixture
def p12_file(tmp_path: Path) -> tuple[Path, Path]:
    data, _leaf, _root = good_p12()
    path = tmp_path / "centre.p12"
    path.write_bytes(data)
    secret = tmp_path / "p12-pass.txt"
    secret.write_text(P12_PASSPHRASE + "\n", encoding="utf-8")
    return path, secret


def test_show_prints_full_and_short_fingerprint(vault_dir: Path) -> None:
    with Vault.open(vault_dir, passphrase=PASSPHRASE, writable=False) as v:
        fp = v.fingerprint
    res = run_cli("identity", "show", vault_dir)
    assert res.code == 0, res.err
    assert "Test Holder 시험" in res.out
    assert format_fingerprint(fp) in res.out
    assert short_fingerprint(fp) in res.out
    assert "self-signed" in res.out
    res = run_cli("identity", "show", vault_dir, "--json")
    info = json.loads(res.out)
    assert info["self_signed"] is True and info["chain"] == []
    assert info["short_fingerprint"] == short_fingerprint(fp)
    ko = run_cli("--lang", "ko", "identity", "show", vault_dir)
    assert "짧은 지문" in ko.out and "서명자" in ko.out


def test_import_p12_signs_bundles_with_chain(vault_dir: Path, p12_file: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    p12, secret = p12_file
    with Vault.open(vault_dir, passphrase=PASSPHRASE) as v:
        add_bytes(v, b"evidence bytes", "a.bin")
        old_fp = v.fingerprint
    res = run_cli("identity", "import", vault_dir, p12, "--p12-passphrase-file", secret)
    assert res.code == 0, res.err
    expected = load_pkcs12(p12.read_bytes(), P12_PASSPHRASE)
    new_fp = fingerprint(expected.cert)
    assert format_fingerprint(new_fp) in res.out and "Test Centre Root" in res.out
    with Vault.open(vault_dir, passphrase=PASSPHRASE, writable=False) as v:
        assert v.fingerprint == new_fp
        assert [fingerprint(c) for c in v.identity_chain()] == [fingerprint(expected.chain[0])]
        event = v.events()[-1]
        assert event.kind == "identity_changed"
        assert event.body["previous_certificate_sha256"] == old_fp
        assert event.body["certificate_sha256"] == new_fp
        assert event.body["how"] == "pkcs12_import"
        head = v.log_head()
        assert verify_head(expected.cert, v.vault_id, head["seq"], head["hash"],
                           base64.b64decode(head["signature"]))
        report = check_vault(v)
        assert report.findings == [], report.findings
    # the key is kept only sealed: the PEM of the imported key is nowhere in the index
    key_pem = expected.key.private_bytes(serialization.Encoding.DER,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())
    for f in vault_dir.rglob("*"):
        if f.is_file():
            assert key_pem not in f.read_bytes()
    bundle = tmp_path / "b.pdf"
    res = run_cli("export", vault_dir, bundle, "--no-timestamp")
    assert res.code == 0, res.err
    with bundle.open("rb") as fh:
        sig = PdfFileReader(fh).embedded_signatures[0]
        certs = [c.chosen.sha256.hex() for c in sig.signed_data["certificates"]]
        assert sig.signer_cert.sha256.hex() == new_fp
    assert sorted(certs) == sorted([new_fp, fingerprint(expected.chain[0])])
    # the bundle discloses the identity change in its custody chain
    import subprocess

    out = tmp_path / "att"
    out.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(out), str(bundle)], check=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    bodies = [r["body"] for r in manifest["custody"]["records"] if r.get("body")]
    changed = [b for b in bodies if b["event"] == "identity_changed"]
    assert len(changed) == 1 and changed[0]["certificate_sha256"] == new_fp
    assert run_cli("verify", bundle).code in (0, 10)


def test_wrong_p12_passphrase(vault_dir: Path, p12_file: tuple[Path, Path],
                              tmp_path: Path) -> None:
    p12, _ = p12_file
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase", encoding="utf-8")
    res = run_cli("identity", "import", vault_dir, p12, "--p12-passphrase-file", wrong)
    assert res.code == 2
    assert "passphrase of the PKCS#12 file is wrong" in res.err
    assert "Traceback" not in res.err
    ko = run_cli("--lang", "ko", "identity", "import", vault_dir, p12,
                 "--p12-passphrase-file", wrong)
    assert "PKCS#12 파일의 암호가 맞지 않습니다" in ko.err
    with Vault.open(vault_dir, passphrase=PASSPHRASE, writable=False) as v:
        assert [e.kind for e in v.events()] == ["vault_created"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "text", "empty"])
def test_damaged_p12_is_refused(vault_dir: Path, p12_file: tuple[Path, Path],
                                damage: str) -> None:
    p12, secret = p12_file
    data = bytearray(p12.read_bytes())
    if damage == "flip":
        data[len(data) // 3] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "text":
        data = bytearray(b"-----BEGIN CERTIFICATE-----\nnot really\n")
    else:
        data = bytearray()
    p12.write_bytes(bytes(data))
    res = run_cli("identity", "import", vault_dir, p12, "--p12-passphrase-file", secret)
    assert res.code == 2, res.out
    assert ("damaged" in res.err or "passphrase" in res.err or "empty" in res.err), res.err
    assert "Traceback" not in res.err


def _refusal(data: bytes) -> str:
    with pytest.raises(InputError) as info:
        load_pkcs12(data, P12_PASSPHRASE)
    return info.value.key


def test_unusable_keys_and_certificates_are_refused() -> None:
    ca_key, ca = make_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _refusal(make_p12(rsa_key, issue_leaf(ca_key, ca, rsa_key), [ca])) \
        == "identity.key_unsupported"
    assert _refusal(make_p12(key, issue_leaf(ca_key, ca, key, days=-1, start_days=-30), [ca])) \
        == "identity.cert_expired"
    assert _refusal(make_p12(key, issue_leaf(ca_key, ca, key, start_days=10), [ca])) \
        == "identity.cert_not_yet_valid"
    assert _refusal(make_p12(key, issue_leaf(ca_key, ca, key, sign_usage=False), [ca])) \
        == "identity.cert_not_for_signing"
    assert _refusal(make_p12(key, issue_leaf(ca_key, ca, key,
                                             eku=[ExtendedKeyUsageOID.SERVER_AUTH]), [ca])) \
        == "identity.cert_not_for_signing"
    assert _refusal(make_p12(key, issue_leaf(ca_key, ca, key, ca=True), [ca])) \
        == "identity.cert_is_ca"
    assert _refusal(make_p12(None, ca, [])) == "identity.p12_no_key"


def test_chain_keeps_only_issuers_on_the_path() -> None:
    ca_key, ca = make_ca("Right Root")
    _k2, stranger = make_ca("Unrelated Root")
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = issue_leaf(ca_key, ca, key)
    ident = load_pkcs12(make_p12(key, leaf, [stranger, ca]), P12_PASSPHRASE)
    assert ident.chain == (ca,)
    pem = leaf.public_bytes(serialization.Encoding.PEM) + stranger.public_bytes(
        serialization.Encoding.PEM)
    with pytest.raises(InputError) as info:
        load_issued_certificate(pem, key)
    assert info.value.key == "identity.cert_not_issued"


def test_identity_record_rolled_back_is_detected(vault_dir: Path,
                                                 p12_file: tuple[Path, Path]) -> None:
    """An old identity record put back after an import no longer matches the log."""
    p12, _ = p12_file
    with Vault.open(vault_dir, passphrase=PASSPHRASE) as v:
        old = v._index.get_meta("identity")
        ident = load_pkcs12(p12.read_bytes(), P12_PASSPHRASE)
        v.replace_identity(ident.key, ident.cert, ident.chain, how="pkcs12_import")
        assert old is not None
        with v._index.transaction():
            v._index.set_meta("identity", old)
    with Vault.open(vault_dir, passphrase=PASSPHRASE, writable=False) as v:
        keys = [f.key for f in check_vault(v).findings]
    assert "check.record_replayed" in keys


def test_missing_p12_passphrase_is_named(vault_dir: Path, p12_file: tuple[Path, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    p12, _ = p12_file
    monkeypatch.delenv("EVIDENCEKIT_P12_PASSPHRASE", raising=False)
    res = run_cli("identity", "import", vault_dir, p12)
    assert res.code == 2
    assert "No passphrase for the PKCS#12 file" in res.err
    monkeypatch.setenv("EVIDENCEKIT_P12_PASSPHRASE", P12_PASSPHRASE)
    assert run_cli("identity", "import", vault_dir, p12).code == 0


def test_replace_identity_refuses_a_certificate_for_another_key(vault_dir: Path) -> None:
    ca_key, ca = make_ca()
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    cert = issue_leaf(ca_key, ca, other)
    with Vault.open(vault_dir, passphrase=PASSPHRASE) as v:
        before = v.fingerprint
        with pytest.raises(InputError) as info:
            v.replace_identity(key, cert, (ca,), how="test")
        assert info.value.key == "identity.key_mismatch"
        assert v.fingerprint == before
    with Vault.open(vault_dir, passphrase=PASSPHRASE, writable=False) as v:
        assert v.fingerprint == before and len(v.events()) == 1


@pytest.mark.parametrize("legacy", [False, True])
def test_p12_made_by_openssl_imports(vault_dir: Path, tmp_path: Path, legacy: bool) -> None:
    """A PKCS#12 file as a CA or a person makes it with ``openssl pkcs12 -export``
    (AES/PBKDF2 by default, RC2/3DES with ``-legacy``)."""
    import subprocess

    def ossl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
    ossl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=OpenSSL Root", "-days", "30",
         "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key")
    ossl("req", "-new", "-key", "leaf.key", "-subj", "/CN=Counsellor OpenSSL", "-out", "l.csr")
    (tmp_path / "ext.cnf").write_text("basicConstraints=critical,CA:FALSE\n"
                                      "keyUsage=critical,digitalSignature,nonRepudiation\n"
                                      "extendedKeyUsage=emailProtection\n")
    ossl("x509", "-req", "-in", "l.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
         "-days", "20", "-extfile", "ext.cnf", "-out", "leaf.pem")
    ossl("pkcs12", "-export", *(["-legacy"] if legacy else []), "-inkey", "leaf.key",
         "-in", "leaf.pem", "-certfile", "ca.pem", "-passout", "pass:한국어 암호 12",
         "-out", "id.p12")
    secret = tmp_path / "pass.txt"
    secret.write_text("한국어 암호 12", encoding="utf-8")
    res = run_cli("identity", "import", vault_dir, tmp_path / "id.p12",
                  "--p12-passphrase-file", secret)
    assert res.code == 0, res.err
    assert "Counsellor OpenSSL" in res.out and "OpenSSL Root" in res.out


def test_show_warns_about_an_expired_certificate(vault_dir: Path) -> None:
    """A certificate installed while valid that has expired since."""
    ca_key, ca = make_ca()
    with Vault.open(vault_dir, passphrase=PASSPHRASE) as v:
        key = v.identity()[0]
        cert = issue_leaf(ca_key, ca, key, days=-1, start_days=-30)
        v.replace_identity(key, cert, (ca,), how="test")  # the vault stores what it is given
    res = run_cli("identity", "show", vault_dir)
    assert res.code == 0
    assert "expired on" in res.out
    info = json.loads(run_cli("identity", "show", vault_dir, "--json").out)
    assert info["expired"] is True and info["self_signed"] is False


def test_damaged_chain_in_identity_record(vault_dir: Path) -> None:
    from evidencekit.vault.index import meta_ad

    with Vault.open(vault_dir, passphrase=PASSPHRASE) as v:
        key, cert = v.identity()
        sealed = v._ident.seal_json(
            {"key": key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode(),
             "cert": cert.public_bytes(serialization.Encoding.PEM).decode(),
             "chain": ["not a certificate"]}, meta_ad("identity"))
        with v._index.transaction():
            v._index.set_meta("identity", sealed)
    res = run_cli("identity", "show", vault_dir)
    assert res.code == 3 and "Traceback" not in res.err
