"""A local RFC 3161 time-stamp authority for tests, on 127.0.0.1 with misbehaviour modes.

The PKI (a root CA and TSA certificates, RSA because pyHanko's ``DummyTimeStamper`` signs
with RSA only) is made with ``cryptography``; requests are answered by pyHanko's
``DummyTimeStamper`` inside a threaded ``http.server``. Nothing here reaches the internet.

Usage::

    with LocalTSA(tmp_path) as tsa:
        tsa.url            # http://127.0.0.1:PORT/tsr
        tsa.chain_pem_path # TSA certificate + root, for ``openssl ts -verify -CAfile``
        tsa.root_pem       # the root alone (trust anchor for verify_token)
        tsa.mode = "wrong_imprint"

Trust: the test root is in no public trust store, so every check that should accept these
tokens must be given ``tsa.root_pem`` / ``tsa.root_pem_path`` (``--tsa-ca``). An impostor
TSA (``LocalTSA(folder, pki=impostor_pki())``) names itself "DigiCert" with a self-made
root of the same name as a real public root; nothing may trust it.

Modes: ``ok``, ``wrong_imprint``, ``wrong_nonce``, ``bad_signature`` (one byte of the CMS
signature flipped), ``not_granted`` (status rejection), ``wrong_eku`` (signer certificate
for code signing), ``noncritical_eku`` (timeStamping EKU not marked critical),
``garbage`` (200 with junk), ``http_error`` (500), ``slow`` (answers after
``slow_seconds``), ``outside_validity`` (genTime after the TSA certificate expired),
``huge`` (a 2 MiB answer) and
``down`` (the listening socket is closed: connection refused; setting another mode brings
it back on the same port).
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

import pytest
from asn1crypto import cms, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps import DummyTimeStamper

__all__ = [
    "MODES",
    "TsaPki",
    "LocalTSA",
    "make_pki",
    "impostor_pki",
    "refused_url",
    "block_internet",
    "signature_offset",
    "flip_signature_byte",
    "other_root_pem",
]

MODES = (
    "ok",
    "wrong_imprint",
    "wrong_nonce",
    "bad_signature",
    "not_granted",
    "wrong_eku",
    "noncritical_eku",
    "garbage",
    "http_error",
    "slow",
    "outside_validity",
    "huge",
    "down",
)


@dataclass(frozen=True)
class TsaPki:
    """A root CA and three TSA signing certificates (good, wrong EKU, non-critical EKU)."""

    root: x509.Certificate
    root_key: rsa.RSAPrivateKey
    tsa: x509.Certificate
    tsa_key: rsa.RSAPrivateKey
    wrong_eku: x509.Certificate
    noncritical_eku: x509.Certificate

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def chain_pem(self) -> bytes:
        """The good TSA certificate followed by the root (what ``-CAfile`` wants)."""
        return self.tsa.public_bytes(serialization.Encoding.PEM) + self.root_pem


def _name(cn: str, org: str = "EvidenceKit Test PKI", country: str = "KR") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _leaf(
    name: x509.Name,
    key: rsa.RSAPrivateKey,
    root: x509.Certificate,
    root_key: rsa.RSAPrivateKey,
    eku: list[x509.ObjectIdentifier],
    eku_critical: bool,
    now: dt.datetime,
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=3000))  # back-dated tokens in tests
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(eku), critical=eku_critical)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )


@cache
def make_pki() -> TsaPki:
    """The test PKI (made once per process: RSA key generation is the slow part)."""
    return _pki(_name("EvidenceKit Test Root CA"), lambda cn: _name(cn), "EvidenceKit Test TSA")


@cache
def impostor_pki() -> TsaPki:
    """A self-made "DigiCert": its root has exactly the name of the public DigiCert Trusted
    Root G4 (but its own key), its TSA certificate the name of DigiCert's responder."""
    digicert = "DigiCert Inc"

    def named(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, digicert),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "www.digicert.com"),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    return _pki(named("DigiCert Trusted Root G4"),
                lambda cn: _name(cn, "DigiCert, Inc.", "US"),
                "DigiCert SHA256 RSA4096 Timestamp Responder 2025 1")


def _pki(root_name: x509.Name, leaf_name: Callable[[str], x509.Name], tsa_cn: str) -> TsaPki:
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=3650))
        .not_valid_after(now + dt.timedelta(days=7300))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ts = [ExtendedKeyUsageOID.TIME_STAMPING]
    return TsaPki(
        root=root,
        root_key=root_key,
        tsa=_leaf(leaf_name(tsa_cn), tsa_key, root, root_key, ts, True, now),
        tsa_key=tsa_key,
        wrong_eku=_leaf(
            leaf_name("EvidenceKit Test Code Signer"),
            tsa_key,
            root,
            root_key,
            [ExtendedKeyUsageOID.CODE_SIGNING],
            True,
            now,
        ),
        noncritical_eku=_leaf(
            leaf_name("EvidenceKit Test Lax TSA"), tsa_key, root, root_key, ts, False, now
        ),
    )


@cache
def other_root_pem() -> bytes:
    """A self-signed root that has nothing to do with the test TSA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Unrelated Root")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _dummy(
    pki: TsaPki, signer: x509.Certificate, fixed_dt: dt.datetime | None = None
) -> DummyTimeStamper:
    key_der = pki.tsa_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return DummyTimeStamper(
        tsa_cert=_asn1_cert(signer),
        tsa_key=asn1_keys.PrivateKeyInfo.load(key_der),
        certs_to_embed=[_asn1_cert(pki.root)],  # type: ignore[arg-type]
        fixed_dt=fixed_dt,
    )


def _altered_request(req: tsp.TimeStampReq, *, imprint: bool, nonce: bool) -> tsp.TimeStampReq:
    hashed = bytearray(req["message_imprint"]["hashed_message"].native)
    if imprint:
        hashed[0] ^= 0xFF
    value = req["nonce"].native
    if nonce:
        value = (value or 0) + 1
    fields: dict[str, object] = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {
                "algorithm": req["message_imprint"]["hash_algorithm"]["algorithm"].native
            },
            "hashed_message": bytes(hashed),
        },
        "cert_req": True,
    }
    if value is not None:
        fields["nonce"] = value
    return tsp.TimeStampReq(fields)


class _StatusOnlyResp(tsp.TimeStampResp):
    """TimeStampResp with the token optional, as RFC 3161 has it (asn1crypto requires it)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def refused_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsr"


class LocalTSA:
    """A threaded local TSA; use as a context manager or call start()/stop()."""

    def __init__(self, folder: Path, *, mode: str = "ok", slow_seconds: float = 3.0,
                 pki: TsaPki | None = None, fixed_time: dt.datetime | None = None) -> None:
        self.pki = pki or make_pki()
        self.slow_seconds = slow_seconds
        self.requests: list[tsp.TimeStampReq] = []
        self.content_types: list[str | None] = []
        self._mode = mode
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0
        self._good = _dummy(self.pki, self.pki.tsa, fixed_dt=fixed_time)
        self._wrong_eku = _dummy(self.pki, self.pki.wrong_eku)
        self._noncritical = _dummy(self.pki, self.pki.noncritical_eku)
        late = self.pki.tsa.not_valid_after_utc + dt.timedelta(days=1)
        self._late = _dummy(self.pki, self.pki.tsa, fixed_dt=late)
        folder.mkdir(parents=True, exist_ok=True)
        self.chain_pem_path = folder / "tsa-chain.pem"
        self.chain_pem_path.write_bytes(self.pki.chain_pem)
        self.root_pem_path = folder / "tsa-root.pem"
        self.root_pem_path.write_bytes(self.pki.root_pem)

    # -- life cycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/tsr"

    @property
    def root_pem(self) -> bytes:
        return self.pki.root_pem

    @property
    def chain_pem(self) -> bytes:
        return self.pki.chain_pem

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"unknown mode {value!r}")
        was_down = self._mode == "down"
        self._mode = value
        if value == "down" and self._server is not None:
            self._shutdown()
        elif was_down and value != "down" and self._port:
            self._listen()

    def start(self) -> LocalTSA:
        self._release.clear()
        if self._mode != "down" or not self._port:
            self._listen()
            if self._mode == "down":
                self._shutdown()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._shutdown()

    def __enter__(self) -> LocalTSA:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _listen(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                owner.content_types.append(self.headers.get("Content-Type"))
                status, ctype, payload = owner._answer(body)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (slow mode)

        server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        server.daemon_threads = True
        self._server = server
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _shutdown(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    # -- answers -------------------------------------------------------------------------
    def _answer(self, body: bytes) -> tuple[int, str, bytes]:
        mode = self._mode
        reply = "application/timestamp-reply"
        if mode == "http_error":
            return 500, "text/plain", b"internal error"
        if mode == "garbage":
            return 200, reply, b"this is not a timestamp response"
        if mode == "huge":
            return 200, reply, b"\x30" * (2 * 1024 * 1024)
        try:
            req = tsp.TimeStampReq.load(body)
            req.native  # noqa: B018 - force a full parse
        except ValueError:
            return 400, "text/plain", b"bad request"
        self.requests.append(req)
        if mode == "slow":
            self._release.wait(self.slow_seconds)
        if mode == "not_granted":
            resp = _StatusOnlyResp(
                {
                    "status": {
                        "status": "rejection",
                        "status_string": ["test rejection"],
                        "fail_info": {"bad_alg"},
                    }
                }
            )
            return 200, reply, resp.dump()
        stamper = self._good
        if mode == "wrong_eku":
            stamper = self._wrong_eku
        elif mode == "noncritical_eku":
            stamper = self._noncritical
        elif mode == "outside_validity":
            stamper = self._late
        elif mode in ("wrong_imprint", "wrong_nonce"):
            req = _altered_request(
                req, imprint=mode == "wrong_imprint", nonce=mode == "wrong_nonce"
            )
        raw = stamper.request_tsa_response(req).dump()
        if mode == "bad_signature":
            raw = flip_signature_byte(raw)
        return 200, reply, raw


def signature_offset(token: bytes) -> int:
    """Offset of the first byte of the CMS signature value inside a TimeStampResp."""
    resp = tsp.TimeStampResp.load(token)
    signature = resp["time_stamp_token"]["content"]["signer_infos"][0]["signature"].native
    return token.index(signature)


def flip_signature_byte(token: bytes, at: int = 10) -> bytes:
    """The token with one byte of its CMS signature value inverted."""
    raw = bytearray(token)
    raw[signature_offset(token) + at] ^= 0xFF
    return bytes(raw)


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def block_internet(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every connection or name lookup that is not loopback fail (and record it).

    Returns the list the refused destinations are appended to, so a test can also assert
    that nothing tried to go out (e.g. to the default public TSAs).
    """
    attempts: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def allowed(address: object) -> bool:
        host = address[0] if isinstance(address, tuple) else address
        return isinstance(host, str) and (host in _LOOPBACK or host.startswith("/"))

    def connect(self: socket.socket, address: object) -> None:
        if not allowed(address):
            attempts.append(str(address))
            raise ConnectionRefusedError(f"tests may not reach {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if not allowed(address):
            attempts.append(str(address))
            raise ConnectionRefusedError(f"tests may not reach {address!r}")
        return real_connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not allowed((host,)):
            attempts.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not look up {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)  # local TSAs are reached directly
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts
