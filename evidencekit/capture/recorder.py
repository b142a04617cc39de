"""The recording proxy of the rendering child: what the renderer loaded, byte for byte.

The proxy is `proxy.py <https://github.com/abhinavsingh/proxy.py>`_ (no code of ours
speaks HTTP or TLS here), started on 127.0.0.1 by
:func:`start_recorder` in the rendering child, before Qt, for that child's renderer
alone. TLS is intercepted with a **per-capture CA** made here with pyca/cryptography: the
CA key and the one leaf key proxy.py signs its host certificates with exist only in the
throw-away folder of this capture; the renderer is told to accept exactly that leaf key
(:func:`spki_hash`, Chromium's ``--ignore-certificate-errors-spki-list``), nothing else
trusts it. Upstream, proxy.py checks the real server's certificate and host name
(``ca_file``: the public roots, or the caller's).

:class:`RecordingPlugin` writes every exchange (the request as sent upstream, the raw
response as received, decrypted: status line, headers, body with its transfer coding)
as three files in ``records/`` of the throw-away folder, so the parent keeps them even
when the child crashes (see :mod:`evidencekit.capture.recorded`). It also refuses
connections to loopback, private and link-local addresses (after DNS resolution) other
than the page's own host and port.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import ipaddress
import json
import logging
import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from evidencekit.capture.recorded import RECORDS_DIR

__all__ = ["ensure_host_certificate", "make_capture_ca", "spki_hash", "start_recorder"]

log = logging.getLogger(__name__)

_ENV_ALLOWED = "EVIDENCEKIT_RECORDER_ALLOWED"
_ENV_DIR = "EVIDENCEKIT_RECORDER_DIR"


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def spki_hash(key: ec.EllipticCurvePrivateKey) -> str:
    """base64 SHA-256 of the key's SubjectPublicKeyInfo (Chromium's SPKI hash form)."""
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def make_capture_ca(folder: Path) -> dict[str, str]:
    """A CA key and certificate, and the leaf key, for one capture, as files in ``folder``.

    Returns the paths (``ca_key``, ``ca_cert``, ``leaf_key``, ``cert_dir``) and ``spki``:
    the leaf key's SPKI hash the renderer is told to accept.
    """
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                         "EvidenceKit capture CA (one capture only)")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca_key": folder / "ca-key.pem", "ca_cert": folder / "ca-cert.pem",
             "leaf_key": folder / "leaf-key.pem", "cert_dir": folder / "certs"}
    paths["ca_key"].write_bytes(_pem_key(ca_key))
    paths["ca_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["leaf_key"].write_bytes(_pem_key(leaf_key))
    paths["cert_dir"].mkdir()
    out = {k: str(v) for k, v in paths.items()}
    out["spki"] = spki_hash(leaf_key)
    return out


#: Host names (and IP addresses) a certificate file may be named after.
_HOST_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,252}")


@functools.lru_cache(maxsize=4)
def _signing_material(ca_key_file: str, ca_cert_file: str, leaf_key_file: str
                      ) -> tuple[Any, x509.Certificate, Any]:
    ca_key = serialization.load_pem_private_key(Path(ca_key_file).read_bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(Path(ca_cert_file).read_bytes())
    leaf = serialization.load_pem_private_key(Path(leaf_key_file).read_bytes(), None)
    return ca_key, ca_cert, leaf.public_key()


def ensure_host_certificate(cert_dir: str, host: str, ca_key_file: str, ca_cert_file: str,
                            leaf_key_file: str) -> bool:
    """Make the certificate proxy.py shows the renderer for ``host``, unless it exists.

    proxy.py looks for ``CERT_DIR/HOST.pem`` and makes a missing one with three runs of
    the ``openssl`` program, one host at a time under a lock; made here with
    pyca/cryptography it costs a millisecond instead (the same leaf key, signed by this
    capture's CA, the host as subject alternative name). Returns whether the file is
    there (False for a host name that cannot name a file: proxy.py decides then).
    """
    if not _HOST_RE.fullmatch(host):
        return False
    path = Path(cert_dir) / f"{host}.pem"
    if path.is_file():
        return True
    ca_key, ca_cert, leaf_public = _signing_material(ca_key_file, ca_cert_file, leaf_key_file)
    try:
        alt: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        alt = x509.DNSName(host)
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host[:64])]))
            .issuer_name(ca_cert.subject).public_key(leaf_public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(ca_cert.not_valid_before_utc)
            .not_valid_after(min(ca_cert.not_valid_after_utc, now + dt.timedelta(days=2)))
            .add_extension(x509.SubjectAlternativeName([alt]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    # Written whole under another name, then renamed: proxy.py never reads half a file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}")
    tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp, path)
    return True


def start_recorder(folder: Path, *, allowed_local: tuple[str, int] | None,
                   upstream_ca_file: str | None) -> tuple[Any, int, str]:
    """Start proxy.py on 127.0.0.1 with TLS interception and :class:`RecordingPlugin`.

    Returns ``(proxy, port, spki)``; call ``proxy.shutdown()`` to stop it (the child
    simply exits). Must run before Qt starts (proxy.py forks its acceptor process).
    """
    import proxy  # proxy.py

    ca = make_capture_ca(folder)
    records = folder / RECORDS_DIR
    records.mkdir()
    os.environ[_ENV_DIR] = str(records)
    os.environ[_ENV_ALLOWED] = json.dumps(list(allowed_local) if allowed_local else None)
    args = [
        "--hostname", "127.0.0.1", "--port", "0", "--num-acceptors", "1", "--threaded",
        "--ca-key-file", ca["ca_key"], "--ca-cert-file", ca["ca_cert"],
        "--ca-signing-key-file", ca["leaf_key"], "--ca-cert-dir", ca["cert_dir"],
        "--plugins", "evidencekit.capture.recorder.RecordingPlugin",
        "--log-level", "WARNING", "--timeout", "30",
    ]
    if upstream_ca_file:
        args += ["--ca-file", upstream_ca_file]
    else:
        import certifi

        args += ["--ca-file", certifi.where()]
    p = proxy.Proxy(args)
    p.setup()
    port = int(p.flags.port)
    log.info("recording proxy on 127.0.0.1:%d", port)
    return p, port, ca["spki"]


def _local_refused(host: str, port: int, allowed: tuple[str, int] | None) -> bool:
    """Whether ``host:port`` is a local address other than the page's own."""
    from evidencekit.capture.render_guard import is_local_host

    if allowed is not None and (host.lower(), port) == (allowed[0].lower(), allowed[1]):
        return False
    if is_local_host(host):
        return True
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # unresolvable: the connection fails by itself
    return any(is_local_host(str(info[4][0])) for info in infos)


try:  # the plugin class exists only where proxy.py is installed (the rendering child)
    from proxy.common.utils import text_
    from proxy.http.exception import HttpRequestRejected
    from proxy.http.parser import HttpParser, httpParserTypes
    from proxy.http.proxy import HttpProxyBasePlugin

    class RecordingPlugin(HttpProxyBasePlugin):
        """Writes each request/response pair to the records folder; refuses local hosts."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._dir = Path(os.environ[_ENV_DIR])
            allowed = json.loads(os.environ.get(_ENV_ALLOWED) or "null")
            self._allowed = (str(allowed[0]), int(allowed[1])) if allowed else None
            self._tunnel: tuple[str, int] | None = None
            self._current: dict[str, Any] | None = None
            self._req = b""
            self._resp = bytearray()
            self._n = 0
            self._server: tuple[str | None, str | None] = (None, None)
            self._parser = HttpParser(httpParserTypes.RESPONSE_PARSER)

        def before_upstream_connection(self, request: Any) -> Any:
            host, port = text_(request.host or b""), int(request.port or 0)
            if _local_refused(host, port, self._allowed):
                self._note_refused(host, port)
                raise HttpRequestRejected(status_code=403, reason=b"Forbidden")
            if request.method == b"CONNECT":
                self._tunnel = (host, port)
                flags = self.flags
                try:
                    ensure_host_certificate(str(flags.ca_cert_dir), host, str(flags.ca_key_file),
                                            str(flags.ca_cert_file),
                                            str(flags.ca_signing_key_file))
                except (OSError, ValueError, TypeError) as exc:
                    log.debug("host certificate left to proxy.py: %s", exc)
            return request

        def handle_client_request(self, request: Any) -> Any:
            if request.method == b"CONNECT":
                return request
            self._flush()
            if self._tunnel is not None:
                host, port = self._tunnel
                netloc = host if port == 443 else f"{host}:{port}"
                url = f"https://{netloc}{text_(request.path or b'/')}"
            else:
                host, port = text_(request.host or b""), int(request.port or 80)
                path = text_(request.path or b"/")
                url = path if path.startswith("http") else \
                    f"http://{host}{'' if port == 80 else f':{port}'}{path}"
            self._current = {"url": url, "method": text_(request.method),
                             "started": time.time(), "host": host, "port": port,
                             "https": self._tunnel is not None}
            self._req = bytes(request.build())
            self._resp = bytearray()
            self._parser = HttpParser(httpParserTypes.RESPONSE_PARSER)
            return request

        def handle_upstream_chunk(self, chunk: memoryview) -> memoryview:
            if self._current is not None:
                data = bytes(chunk)
                self._resp += data
                # Written as soon as the response is whole: the renderer keeps its
                # connections open, and the child may be ended at any moment.
                try:
                    self._parser.parse(memoryview(data))
                    if self._parser.is_complete:
                        self._flush()
                except Exception as exc:  # noqa: BLE001 - recording must not stop the page
                    log.debug("response parsing: %s", exc)
            return chunk

        def on_upstream_connection_close(self) -> None:
            self._flush()

        def on_client_connection_close(self) -> None:
            self._flush()

        def on_access_log(self, context: dict[str, Any]) -> dict[str, Any] | None:
            self._server = (context.get("server_host"), context.get("server_port"))
            self._flush()
            return None  # no access log lines

        def _note_refused(self, host: str, port: int) -> None:
            meta = {"refused": True, "host": host, "port": port, "started": time.time()}
            self._write(meta, b"", b"")

        def _flush(self) -> None:
            if self._current is None:
                return
            meta = dict(self._current, server_ip=self._server[0])
            self._write(meta, self._req, bytes(self._resp))
            self._current = None

        def _write(self, meta: dict[str, Any], req: bytes, resp: bytes) -> None:
            self._n += 1
            stem = self._dir / f"{os.getpid()}-{self.uid}-{self._n:05d}"
            try:
                Path(f"{stem}.req").write_bytes(req)
                Path(f"{stem}.resp").write_bytes(resp)
                Path(f"{stem}.json").write_text(json.dumps(meta))  # last: the pair is whole
            except OSError as exc:
                log.warning("could not keep a recorded exchange: %s", exc)

except ImportError:  # pragma: no cover - proxy.py missing: recording is unavailable
    pass
