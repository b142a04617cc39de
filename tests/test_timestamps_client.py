"""RFC 3161 client against a local TSA: tokens obtained, verified, checked by openssl;
misbehaving TSAs rejected with the named reason; a TSA that does not chain to the trust
store (public CA roots + roots given) - e.g. a self-made "DigiCert" - is refused."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import tsp

from evidencekit.errors import InputError, TimestampError
from evidencekit.timestamps.client import TokenResult, request_token
from evidencekit.timestamps.verify import verify_token
from tests.support.tsa_server import (
    LocalTSA,
    block_internet,
    impostor_pki,
    other_root_pem,
    refused_url,
)

DATA = "증거 evidence €".encode() * 100


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts = block_internet(monkeypatch)
    yield attempts
    assert attempts == [], f"a test tried to reach {attempts}"


@pytest.fixture
def tsa(tmp_path: Path) -> Iterator[LocalTSA]:
    with LocalTSA(tmp_path / "tsa", slow_seconds=5.0) as server:
        yield server


def digest_of(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def test_token_obtained_and_verified(tsa: LocalTSA) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    result = request_token(digest_of(DATA), tsa.url, ca_file=tsa.root_pem_path)
    assert isinstance(result, TokenResult)
    assert before <= result.time <= datetime.now(UTC) + timedelta(seconds=5)
    assert result.time.utcoffset() == timedelta(0)
    assert result.tsa == "EvidenceKit Test TSA"
    assert result.policy == "1.3.6.1.4.1.4146.2.2"
    assert result.serial > 0
    assert result.trusted is True
    assert result.chain_complete is True
    assert result.chain_pem.count(b"BEGIN CERTIFICATE") == 2
    assert result.tsa_url == tsa.url
    # the token is a full TimeStampResp, granted
    resp = tsp.TimeStampResp.load(result.token)
    assert resp["status"]["status"].native == "granted"
    record = result.record()
    assert record["status"] == "verified" and record["serial"] == str(result.serial)
    assert record["time"].endswith("+00:00")

    check = verify_token(result.token, digest_of(DATA), trust_roots_pem=tsa.root_pem)
    assert check.ok, check.problems
    assert check.time == result.time and check.tsa == result.tsa and check.trusted is True


def test_request_has_nonce_cert_req_and_content_type(tsa: LocalTSA) -> None:
    result = request_token(digest_of(DATA), tsa.url, ca_file=tsa.root_pem_path)
    (req,) = tsa.requests
    assert tsa.content_types == ["application/timestamp-query"]
    assert req["cert_req"].native is True
    assert req["nonce"].native == result.nonce
    assert req["message_imprint"]["hash_algorithm"]["algorithm"].native == "sha256"
    assert req["message_imprint"]["hashed_message"].native == digest_of(DATA)
    assert result.trusted is True and result.record()["trusted"] is True
    second = request_token(digest_of(DATA), tsa.url, ca_file=tsa.root_pem_path)
    assert second.nonce != result.nonce


def test_without_its_root_a_local_tsa_is_untrusted(tsa: LocalTSA) -> None:
    """No roots given: only the public CA roots count, and the test root is not one."""
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url)
    err = info.value
    assert err.key == "timestamps.untrusted"
    assert err.params["problems"] == ["untrusted chain"]
    assert "untrusted chain" in err.message("en") and "--tsa-ca" in err.message("en")
    assert "EvidenceKit Test TSA" in err.message("en")
    assert err.message("ko") != err.message("en")


def test_forged_digicert_tsa_refused(tmp_path: Path) -> None:
    """F4: a self-made root named exactly like DigiCert's public root, and a TSA certificate
    named like DigiCert's responder: the token carries its whole chain, is intact, and must
    still be refused - names prove nothing, the public root's key does."""
    with LocalTSA(tmp_path / "fake", pki=impostor_pki()) as fake:
        with pytest.raises(TimestampError) as info:
            request_token(digest_of(DATA), fake.url)
        assert info.value.key == "timestamps.untrusted"
        assert info.value.params["problems"] == ["untrusted chain"]
        assert "DigiCert" in info.value.message("en")
        # the same TSA is accepted only when its (self-made) root is given on purpose
        ok = request_token(digest_of(DATA), fake.url, ca_file=fake.root_pem_path)
        assert ok.trusted is True and ok.tsa.startswith("DigiCert")


@pytest.mark.requires_tools("openssl")
@pytest.mark.parametrize("ca", ["server_chain", "token_chain"])
def test_openssl_ts_verify_accepts_token(tsa: LocalTSA, tmp_path: Path, ca: str) -> None:
    part = tmp_path / "001-original.bin"
    part.write_bytes(DATA)
    result = request_token(digest_of(part.read_bytes()), tsa.url, ca_file=tsa.root_pem_path)
    tsr = tmp_path / "001-original.bin.tsr"
    tsr.write_bytes(result.token)
    chain = tsa.chain_pem_path
    if ca == "token_chain":
        chain = tmp_path / "TSA-CHAIN.pem"
        chain.write_bytes(result.chain_pem)
    ok = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(part), "-in", str(tsr), "-CAfile", str(chain)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Verification: OK" in ok.stdout

    # and openssl agrees that a changed file is not covered
    part.write_bytes(DATA + b"!")
    bad = subprocess.run(
        ["openssl", "ts", "-verify", "-data", str(part), "-in", str(tsr), "-CAfile", str(chain)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        ("wrong_imprint", "imprint mismatch"),
        ("wrong_nonce", "nonce mismatch"),
        ("bad_signature", "bad signature"),
        ("wrong_eku", "not a timestamping certificate"),
        ("noncritical_eku", "not a timestamping certificate"),
        ("outside_validity", "certificate not valid at time"),
        ("garbage", "malformed token"),
    ],
)
def test_misbehaving_tsa_rejected_with_reason(tsa: LocalTSA, mode: str, problem: str) -> None:
    tsa.mode = mode
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url, ca_file=tsa.root_pem_path)
    err = info.value
    assert err.key == "timestamps.response_invalid"
    assert problem in err.params["problems"]  # type: ignore[operator]
    assert problem in str(err)
    assert tsa.url in str(err)
    assert len(tsa.requests) == (0 if mode == "garbage" else 1)


@pytest.mark.parametrize("mode", ["wrong_imprint", "wrong_nonce", "bad_signature"])
def test_misbehaving_tsa_rejected_without_roots_too(tsa: LocalTSA, mode: str) -> None:
    tsa.mode = mode
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url)
    assert info.value.key == "timestamps.response_invalid"
    assert "untrusted chain" in info.value.params["problems"]  # type: ignore[operator]


def test_untrusted_root_rejected(tsa: LocalTSA, tmp_path: Path) -> None:
    roots = tmp_path / "other-root.pem"
    roots.write_bytes(other_root_pem())
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url, ca_file=roots)
    assert info.value.key == "timestamps.untrusted"
    assert info.value.params["problems"] == ["untrusted chain"]


def test_refusal_reported(tsa: LocalTSA) -> None:
    tsa.mode = "not_granted"
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url)
    assert info.value.key == "timestamps.refused"
    assert "test rejection" in str(info.value)


def test_http_error_reported(tsa: LocalTSA) -> None:
    tsa.mode = "http_error"
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url)
    assert info.value.key == "timestamps.http_status"
    assert info.value.params["status"] == 500


def test_huge_answer_refused(tsa: LocalTSA) -> None:
    tsa.mode = "huge"
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url)
    assert info.value.key == "timestamps.response_too_large"


def test_catalogue_keys_match_in_both_languages() -> None:
    import json
    import string

    from evidencekit.resources import resource_path

    en = json.loads(resource_path("i18n", "en", "timestamps.json").read_text("utf-8"))
    ko = json.loads(resource_path("i18n", "ko", "timestamps.json").read_text("utf-8"))
    assert set(en) == set(ko)
    for key in en:
        assert key.startswith("timestamps.")
        fields = {f for _, f, _, _ in string.Formatter().parse(en[key]) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(ko[key]) if f}, key


def test_tsa_down_clear_error(tsa: LocalTSA) -> None:
    tsa.mode = "down"
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url, timeout=5)
    err = info.value
    assert err.key == "timestamps.unreachable"
    assert tsa.url in err.message("en") and "could not be reached" in err.message("en")
    assert "연결할 수 없습니다" in err.message("ko")
    assert err.exit_code == 9
    # back up: the same URL works again (the queue is finished later)
    tsa.mode = "ok"
    assert request_token(digest_of(DATA), tsa.url,
                         ca_file=tsa.root_pem_path).tsa == "EvidenceKit Test TSA"


def test_nothing_listening_clear_error() -> None:
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), refused_url(), timeout=5)
    assert info.value.key == "timestamps.unreachable"


def test_slow_tsa_times_out(tsa: LocalTSA) -> None:
    tsa.mode = "slow"
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), tsa.url, timeout=0.5)
    assert info.value.key == "timestamps.timeout"
    assert "0.5" in str(info.value)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/tsr", "http://", ""]
)
def test_bad_url_refused_without_network(url: str) -> None:
    with pytest.raises(TimestampError) as info:
        request_token(digest_of(DATA), url)
    assert info.value.key == "timestamps.bad_url"


def test_bad_digest_is_a_programming_error(tsa: LocalTSA) -> None:
    with pytest.raises(ValueError):
        request_token(b"\x00" * 20, tsa.url)
    assert tsa.requests == []


def test_bad_ca_file(tsa: LocalTSA, tmp_path: Path) -> None:
    junk = tmp_path / "roots.pem"
    junk.write_text("not a certificate")
    with pytest.raises(InputError) as info:
        request_token(digest_of(DATA), tsa.url, ca_file=junk)
    assert info.value.key == "timestamps.bad_roots"
    with pytest.raises(InputError):
        request_token(digest_of(DATA), tsa.url, ca_file=tmp_path / "missing.pem")
    assert tsa.requests == []
