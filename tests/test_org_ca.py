"""A support centre's own CA: ``org init``, ``identity request``, ``org issue``, ``identity
install``, with the refusals (wrong CA passphrase, a folder whose certificate is no CA, an
altered or foreign request, a certificate for another key), and the whole flow end to end
as subprocesses: the bundle is trusted by ``pdfsig -nssdir`` and ``pyhanko sign validate
--trust`` with the centre's root, and not without it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from evidencekit.errors import InputError, WrongSecretError
from evidencekit.org.ca import ROOT_CERT, ROOT_KEY, init_ca, issue
from evidencekit.vault import Vault
from evidencekit.vault.identity import fingerprint
from evidencekit.vault.identity_import import DOCUMENT_SIGNING, make_request
from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.support.identity_certs import nss_db, pdfsig_signatures

ORG_PASS = "centre passphrase 1"


@pytest.fixture
def org_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIDENCEKIT_ORG_PASSPHRASE", ORG_PASS)


@pytest.fixture
def ca_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "centre-ca"
    init_ca(folder, "Seoul Support Centre 서울", ORG_PASS)
    return folder


def test_init_writes_encrypted_root(ca_dir: Path) -> None:
    root = x509.load_pem_x509_certificate((ca_dir / ROOT_CERT).read_bytes())
    bc = root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = root.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign and not ku.digital_signature
    key_pem = (ca_dir / ROOT_KEY).read_bytes()
    assert key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(key_pem, None)
    key = serialization.load_pem_private_key(key_pem, ORG_PASS.encode())
    assert key.public_key() == root.public_key()
    assert "Seoul Support Centre 서울" in root.subject.rfc4514_string()


def test_init_refusals(tmp_path: Path, org_env: None) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    res = run_cli("org", "init", tmp_path / "busy", "--name", "A")
    assert res.code == 2 and "Traceback" not in res.err
    res = run_cli("org", "init", tmp_path / "new", "--name", "  ")
    assert res.code == 2 and "--name" in res.err
    short = tmp_path / "short.txt"
    short.write_text("short")
    res = run_cli("org", "init", tmp_path / "new2", "--name", "A", "--passphrase-file", short)
    assert res.code == 2
    assert not (tmp_path / "new2" / ROOT_KEY).exists()


def test_issued_certificate_is_for_document_signing(ca_dir: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    issued = issue(ca_dir, ORG_PASS, make_request(key, "김지영"))
    cert = issued.cert
    assert cert.public_key() == key.public_key()
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "김지영"
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and ku.content_commitment and not ku.key_cert_sign
    eku = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert {DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION} <= eku
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    root_ski = issued.root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == root_ski.digest
    cert.verify_directly_issued_by(issued.root)
    life = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=1094) < life < dt.timedelta(days=1096)
    assert issued.record.read_bytes() == cert.public_bytes(serialization.Encoding.PEM)


def test_issue_refusals(ca_dir: Path, tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = make_request(key, "holder")
    with pytest.raises(WrongSecretError) as wrong:
        issue(ca_dir, "not the passphrase", csr)
    assert wrong.value.key == "org.wrong_passphrase"
    # an altered request: the subject changed after signing
    other = make_request(key, "someone else")
    der = x509.load_pem_x509_csr(csr).public_bytes(serialization.Encoding.DER)
    tampered = bytearray(der)
    i = tampered.find(b"holder")
    tampered[i:i + 6] = b"HOLDER"
    with pytest.raises(InputError) as bad:
        issue(ca_dir, ORG_PASS, bytes(tampered))
    assert bad.value.key == "org.csr_bad_signature"
    assert issue(ca_dir, ORG_PASS, other).cert  # the genuine one is fine
    with pytest.raises(InputError) as garbage:
        issue(ca_dir, ORG_PASS, b"not a request")
    assert garbage.value.key == "org.csr_unreadable"
    with pytest.raises(InputError) as days:
        issue(ca_dir, ORG_PASS, csr, days=0)
    assert days.value.key == "org.bad_days"
    with pytest.raises(InputError) as nofolder:
        issue(tmp_path / "nothing", ORG_PASS, csr)
    assert nofolder.value.key == "org.not_a_ca_folder"


def test_non_ca_certificate_cannot_issue(tmp_path: Path) -> None:
    """A folder whose root.pem is an ordinary (end-entity) certificate with its key."""
    folder = tmp_path / "fake-ca"
    folder.mkdir()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not a CA")])
    now = dt.datetime.now(dt.UTC)
    leaf = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / ROOT_CERT).write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / ROOT_KEY).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(ORG_PASS.encode())))
    with pytest.raises(InputError) as info:
        issue(folder, ORG_PASS, make_request(ec.generate_private_key(ec.SECP256R1()), "x"))
    assert info.value.key == "org.not_a_ca"
    # and a real CA certificate next to a key that is not its own
    init_ca(tmp_path / "real", "Real", ORG_PASS)
    (folder / ROOT_CERT).write_bytes((tmp_path / "real" / ROOT_CERT).read_bytes())
    with pytest.raises(InputError) as mismatch:
        issue(folder, ORG_PASS, make_request(ec.generate_private_key(ec.SECP256R1()), "x"))
    assert mismatch.value.key == "org.not_a_ca"


def test_install_refuses_certificate_for_another_key(vault_dir: Path, ca_dir: Path,
                                                    tmp_path: Path, org_env: None) -> None:
    """A CSR made from another key gets a certificate this vault cannot install."""
    stranger = ec.generate_private_key(ec.SECP256R1())
    csr = tmp_path / "other.csr"
    csr.write_bytes(make_request(stranger, "Test Holder 시험"))
    cert = tmp_path / "other.pem"
    assert run_cli("org", "issue", ca_dir, csr, "-o", cert).code == 0
    res = run_cli("identity", "install", vault_dir, cert)
    assert res.code == 2
    assert "not for this vault's key" in res.err
    ko = run_cli("--lang", "ko", "identity", "install", vault_dir, cert)
    assert "보관함의 키에 대한 것이 아닙니다" in ko.err
    junk = tmp_path / "junk.pem"
    junk.write_text("hello")
    assert run_cli("identity", "install", vault_dir, junk).code == 2
    assert run_cli("identity", "install", vault_dir, tmp_path / "missing.pem").code == 2
    with Vault.open(vault_dir, passphrase=PASSPHRASE, writable=False) as v:
        assert [e.kind for e in v.events()] == ["vault_created"]


def test_cli_wrong_ca_passphrase_exit_4(ca_dir: Path, vault_dir: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    csr = tmp_path / "r.csr"
    assert run_cli("identity", "request", vault_dir, "-o", csr).code == 0
    monkeypatch.setenv("EVIDENCEKIT_ORG_PASSPHRASE", "wrong passphrase")
    res = run_cli("org", "issue", ca_dir, csr, "-o", tmp_path / "c.pem")
    assert res.code == 4
    assert "passphrase is wrong" in res.err
    assert not (tmp_path / "c.pem").exists()


def _run(*args: str | os.PathLike[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidencekit.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_org_flow_end_to_end(tmp_path: Path) -> None:
    """The whole flow as a centre, a holder and a recipient would run it."""
    env = dict(os.environ)
    env.update({"EVIDENCEKIT_PASSPHRASE": PASSPHRASE, "EVIDENCEKIT_LANG": "en",
                "PYTHONPATH": str(ROOT)})
    org_pass = tmp_path / "org-pass.txt"
    org_pass.write_text(ORG_PASS + "\n")
    vault, ca, csr, cert = (tmp_path / "vault", tmp_path / "ca", tmp_path / "req.csr",
                            tmp_path / "cert.pem")
    evidence = tmp_path / "capture.png.bin"
    evidence.write_bytes(b"\x89PNG not really" * 50)
    steps = [
        ("init", vault, "--name", "Kim Jiyoung"),
        ("add", vault, evidence),
        ("export", vault, tmp_path / "before.pdf", "--no-timestamp"),
        ("org", "init", ca, "--name", "Seoul Support Centre", "--passphrase-file", org_pass),
        ("identity", "request", vault, "-o", csr),
        ("org", "issue", ca, csr, "-o", cert, "--passphrase-file", org_pass),
        ("identity", "install", vault, cert),
        ("export", vault, tmp_path / "after.pdf", "--no-timestamp"),
        ("check", vault),
    ]
    for step in steps:
        proc = _run(*step, env=env)
        assert proc.returncode == 0, (step, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
    show = _run("identity", "show", vault, env=env)
    assert "issued by a certificate authority (Seoul Support Centre Root CA)" in show.stdout
    issued = x509.load_pem_x509_certificates(cert.read_bytes())
    assert len(issued) == 2  # the certificate, then the root
    assert fingerprint(issued[0]) in show.stdout.replace(":", "").lower()

    nss = nss_db(tmp_path / "nss", ca / ROOT_CERT)
    after_trusted = pdfsig_signatures(tmp_path / "after.pdf", nss)
    after_plain = pdfsig_signatures(tmp_path / "after.pdf")
    before_trusted = pdfsig_signatures(tmp_path / "before.pdf", nss)
    assert after_trusted[0]["validation"] == "Signature is Valid."
    assert after_trusted[0]["certificate"] == "Certificate is Trusted."
    assert after_plain[0]["validation"] == "Signature is Valid."
    assert after_plain[0]["certificate"] != "Certificate is Trusted."
    # the bundle made before the certificate was installed is signed by the vault's own
    # self-signed certificate: the centre's root does not vouch for it
    assert before_trusted[0]["certificate"] != "Certificate is Trusted."

    # an NSS database trusting the root only for web servers ("C,,") does not do
    ssl_only = nss_db(tmp_path / "nss-ssl", ca / ROOT_CERT, trust="C,,")
    assert pdfsig_signatures(tmp_path / "after.pdf", ssl_only)[0]["certificate"] \
        != "Certificate is Trusted."

    pyhanko = [sys.executable, "-m", "pyhanko", "sign", "validate"]
    trusted = subprocess.run([*pyhanko, "--trust", str(ca / ROOT_CERT), "--trust-replace",
                              str(tmp_path / "after.pdf")],
                             capture_output=True, text=True, timeout=120)
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert ":INTACT:TRUSTED" in trusted.stdout
    untrusted = subprocess.run([*pyhanko, "--trust", str(ca / ROOT_CERT), "--trust-replace",
                                str(tmp_path / "before.pdf")],
                               capture_output=True, text=True, timeout=120)
    assert untrusted.returncode != 0
    assert ":INTACT:UNTRUSTED" in untrusted.stdout


def test_missing_ca_passphrase_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVIDENCEKIT_ORG_PASSPHRASE", raising=False)
    res = run_cli("org", "init", tmp_path / "ca", "--name", "A")
    assert res.code == 2
    assert "No passphrase for the certificate authority's key" in res.err
    assert not (tmp_path / "ca" / ROOT_KEY).exists()


def test_centre_counsellor_countersignature_is_trusted_by_pdfsig(tmp_path: Path,
                                                                 ca_dir: Path) -> None:
    """A holder's self-signed bundle counter-signed by a counsellor holding a centre
    certificate: with the centre root in NSS, pdfsig trusts the counter-signature only."""
    from evidencekit.bundle.countersign import countersign
    from evidencekit.bundle.export import export_bundle
    from evidencekit.vault.identity_import import load_issued_certificate
    from tests.support.vault_util import add_bytes

    holder, _ = Vault.create(tmp_path / "holder", PASSPHRASE, "Holder Kim")
    with holder:
        add_bytes(holder, b"evidence" * 64, "a.bin")
        export_bundle(holder, tmp_path / "b.pdf")
    counsellor, _ = Vault.create(tmp_path / "counsellor", PASSPHRASE, "Counsellor Park")
    with counsellor:
        key = counsellor.identity()[0]
        issued = issue(ca_dir, ORG_PASS, make_request(key, counsellor.holder))
        cert, chain = load_issued_certificate(issued.pem(), key)
        counsellor.replace_identity(key, cert, chain, how="certificate_installed")
        countersign(tmp_path / "b.pdf", tmp_path / "cs.pdf", key, cert,
                    counsellor.identity_chain())
    nss = nss_db(tmp_path / "nss", ca_dir / ROOT_CERT)
    holder_sig, counter_sig = pdfsig_signatures(tmp_path / "cs.pdf", nss)
    assert holder_sig["validation"] == counter_sig["validation"] == "Signature is Valid."
    assert holder_sig["certificate"] != "Certificate is Trusted."
    assert counter_sig["certificate"] == "Certificate is Trusted."
