"""No raw library English inside a Korean sentence: known reasons are said in Korean, the
rest point to the details; English keeps the raw reason."""

from __future__ import annotations

from pathlib import Path

from evidencekit.errors import IntegrityError, NetworkError
from evidencekit.reasons import friendly_reason, localized_message
from tests.conftest import PASSPHRASE, run_cli_process
from tests.support.links_servers import LinkServers


def test_known_and_unknown_reasons() -> None:
    tls = NetworkError("links.tls_failed", host="example.org",
                       reason="[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)")
    ko = localized_message(tls, "ko")
    assert "WRONG" not in ko and "보안 연결(HTTPS)을 제대로 지원하지 않습니다" in ko
    assert "WRONG_VERSION_NUMBER" in localized_message(tls, "en")
    cert = NetworkError("links.tls_verify_failed", host="example.org",
                        reason="[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                               "unable to get local issuer certificate (_ssl.c:1006)")
    assert "발급한 기관을 확인할 수 없습니다" in localized_message(cert, "ko")
    chunk = IntegrityError("error.part_damaged", number=3, part=1,
                           reason="chunk 0 failed authentication")
    assert "chunk" not in localized_message(chunk, "ko")
    assert "인증 검사를 통과하지 못했습니다" in localized_message(chunk, "ko")
    assert friendly_reason("SomeLibraryError: bizarre failure", "ko").endswith("볼 수 있습니다")
    assert friendly_reason("디스크 오류", "ko") == "디스크 오류"


def test_cli_tls_error_in_korean(tmp_path: Path, vault_dir: Path) -> None:
    with LinkServers(tmp_path) as servers:
        # An https:// address on a plain-HTTP server: OpenSSL says WRONG_VERSION_NUMBER.
        url = servers.http.url("/ko").replace("http://", "https://")
        env = {"EVIDENCEKIT_LANG": "ko", "EVIDENCEKIT_PASSPHRASE": PASSPHRASE}
        result = run_cli_process("link", vault_dir, url, "--no-render", env=env)
    text = result.out + result.err
    assert "WRONG_VERSION" not in text and "wrong version" not in text, text
    assert "보안 연결" in text, text
