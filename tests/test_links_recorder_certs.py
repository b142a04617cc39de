"""The recording proxy's certificates for each host are made in-process (pyca/
cryptography) instead of by proxy.py's three runs of the `openssl` program per host: the
certificate carries the capture's leaf key (the one the renderer is told to accept),
is issued by the capture's CA, names the host; a host that cannot name a file gets none;
and a whole capture records every picture with no `openssl` on PATH at all."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography import x509
from warcio.archiveiterator import ArchiveIterator

from evidencekit.capture.links import capture_link
from evidencekit.capture.recorder import ensure_host_certificate, make_capture_ca, spki_hash
from tests.support.links_servers import LinkServers


def _cert(folder: Path, host: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((folder / "certs" / f"{host}.pem").read_bytes())


def test_host_certificate_is_issued_by_the_capture_ca_with_the_leaf_key(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    ca = make_capture_ca(tmp_path)
    args = (ca["ca_key"], ca["ca_cert"], ca["leaf_key"])
    assert ensure_host_certificate(ca["cert_dir"], "127.0.0.1", *args)
    assert ensure_host_certificate(ca["cert_dir"], "example.org", *args)
    ca_cert = x509.load_pem_x509_certificate(Path(ca["ca_cert"]).read_bytes())
    leaf_key = serialization.load_pem_private_key(Path(ca["leaf_key"]).read_bytes(), None)
    for host, name in (("127.0.0.1", "ip"), ("example.org", "dns")):
        cert = _cert(tmp_path, host)
        cert.verify_directly_issued_by(ca_cert)  # raises when not
        assert cert.public_key() == leaf_key.public_key()
        assert spki_hash(leaf_key) == ca["spki"]
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(v) for v in (san.get_values_for_type(x509.IPAddress) if name == "ip"
                                  else san.get_values_for_type(x509.DNSName))]
        assert names == [host]
        assert cert.not_valid_after_utc <= ca_cert.not_valid_after_utc
    # Made once: a second call leaves the file alone.
    before = (Path(ca["cert_dir"]) / "example.org.pem").read_bytes()
    assert ensure_host_certificate(ca["cert_dir"], "example.org", *args)
    assert (Path(ca["cert_dir"]) / "example.org.pem").read_bytes() == before


@pytest.mark.parametrize("host", ["../x", "a/b", "", ".hidden", "a b"])
def test_host_that_cannot_name_a_file_gets_no_certificate(tmp_path: Path, host: str) -> None:
    ca = make_capture_ca(tmp_path)
    assert not ensure_host_certificate(ca["cert_dir"], host, ca["ca_key"], ca["ca_cert"],
                                       ca["leaf_key"])
    assert list(Path(ca["cert_dir"]).iterdir()) == []
    assert not (tmp_path / "x.pem").exists()


@pytest.mark.slow
def test_capture_records_every_picture_without_the_openssl_program(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.links_site import MANY

    empty = tmp_path / "no-tools"
    empty.mkdir()
    with LinkServers(tmp_path) as s:
        # The rendering child and its proxy find no `openssl` (proxy.py's own way needs it).
        monkeypatch.setenv("PATH", str(empty))
        item = capture_link(s.https.url("/many"), ca_file=s.ca_file, timeout=10)
        base = s.https.base
    assert item.metadata["rendering"]["status"] == "ok", item.metadata["rendering"]
    warc = item.parts[0].data or b""
    pictures = {rec.rec_headers.get_header("WARC-Target-URI")
                for rec in ArchiveIterator(io.BytesIO(warc), check_digests="raise")
                if rec.rec_type == "response"
                and (rec.rec_headers.get_header("WARC-Target-URI") or "").startswith(
                    base + "/many/")}
    assert len(pictures) == MANY
