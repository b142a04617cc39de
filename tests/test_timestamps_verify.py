"""verify_token: the recipient's check of a stored token, without a vault.

Tamper tests: make a token, change one byte (of the file or of the token), assert the
check names the failure. Trust: only the public CA roots and roots given explicitly count;
the certificates a token carries never do."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import tsp

from evidencekit.timestamps.trust import public_roots, trust_roots
from evidencekit.timestamps.verify import (
    PROBLEMS,
    TokenCheck,
    describe_problem,
    load_pem_certificates,
    verify_token,
)
from tests.support.tsa_server import (
    LocalTSA,
    block_internet,
    flip_signature_byte,
    impostor_pki,
    other_root_pem,
)

DATA = b"\x89PNG original evidence bytes" * 50


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    attempts = block_internet(monkeypatch)
    yield
    assert attempts == []


@pytest.fixture(scope="module")
def stamped(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """(token, root PEM) for DATA, from the local TSA."""
    from evidencekit.timestamps.client import request_token

    with LocalTSA(tmp_path_factory.mktemp("tsa")) as server:
        result = request_token(hashlib.sha256(DATA).digest(), server.url,
                               ca_file=server.root_pem_path)
        return result.token, server.root_pem


def check(token: bytes, data: bytes = DATA, roots: bytes | None = None) -> TokenCheck:
    return verify_token(token, hashlib.sha256(data).digest(), trust_roots_pem=roots)


def test_good_token(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    result = check(token, roots=root)
    assert result.ok and result.problems == [] and result.trusted is True
    assert result.tsa == "EvidenceKit Test TSA"
    assert result.time is not None and result.time.tzinfo is not None


def test_bare_timestamp_token_accepted(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    bare = tsp.TimeStampResp.load(token)["time_stamp_token"].dump()
    assert check(bare, roots=root).ok


def test_tampered_file_is_imprint_mismatch(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    changed = bytearray(DATA)
    changed[100] ^= 0x01
    result = check(token, bytes(changed), roots=root)
    assert not result.ok
    assert result.problems == ["imprint mismatch"]


def test_flipped_signature_byte_is_bad_signature(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    result = check(flip_signature_byte(token), roots=root)
    assert not result.ok
    assert result.problems == ["bad signature"]


def test_flipped_imprint_byte(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    at = token.index(hashlib.sha256(DATA).digest())
    raw = bytearray(token)
    raw[at + 3] ^= 0x40
    result = check(bytes(raw), roots=root)
    assert "imprint mismatch" in result.problems
    assert "bad signature" in result.problems  # the TSTInfo no longer matches its signature


def test_flipped_time_byte_is_bad_signature(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    tst_info = tsp.TimeStampResp.load(token)["time_stamp_token"]["content"][
        "encap_content_info"
    ]["content"]
    gen_time_der = tst_info.parsed["gen_time"].dump()
    at = token.index(gen_time_der) + 2 + 13  # YYYYMMDDHHMMSS: the last digit of seconds
    raw = bytearray(token)
    raw[at] ^= 0x01  # still a digit: the time moves by one second
    result = check(bytes(raw), roots=root)
    assert result.problems == ["bad signature"]


def signed_regions(token: bytes) -> list[range]:
    """The bytes covered by the signature: the TSTInfo, and the signed attributes through
    the signature value. (Extra certificates the token carries are not covered: flipping
    a byte there may go unnoticed when trust roots come from elsewhere, which is fine.)"""
    sd = tsp.TimeStampResp.load(token)["time_stamp_token"]["content"]
    econtent = sd["encap_content_info"]["content"].contents
    start = token.index(econtent)
    signer_info = sd["signer_infos"][0]
    attrs_start = token.index(signer_info["signed_attrs"].dump())
    signature = signer_info["signature"].native
    end = token.index(signature) + len(signature)
    return [range(start, start + len(econtent)), range(attrs_start, end)]


@pytest.mark.slow
def test_every_byte_flip_in_signed_region_is_named(stamped: tuple[bytes, bytes]) -> None:
    token, root = stamped
    positions = [at for region in signed_regions(token) for at in region]
    assert len(positions) > 400
    for at in positions:
        raw = bytearray(token)
        raw[at] ^= 0x01
        result = check(bytes(raw), roots=root)
        assert not result.ok, f"flip at {at} went unnoticed"
        assert result.problems and set(result.problems) <= set(PROBLEMS), (at, result.problems)


def test_untrusted_without_the_tsa_root(stamped: tuple[bytes, bytes]) -> None:
    token, _root = stamped
    result = check(token, roots=other_root_pem())
    assert result.problems == ["untrusted chain"] and result.trusted is False
    # no roots given: the public CA roots alone, and the token's own root does not count
    alone = check(token)
    assert alone.problems == ["untrusted chain"] and alone.trusted is False
    assert b"EvidenceKit Test Root CA" not in b"".join(c.dump() for c in public_roots())


def test_token_carrying_a_forged_public_root_is_untrusted(tmp_path: Path) -> None:
    """F4: the token embeds a self-made "DigiCert Trusted Root G4" (same name as the public
    root in certifi, other key) - offered as the chain inside a bundle too."""
    from evidencekit.timestamps.client import request_token

    pki = impostor_pki()
    with LocalTSA(tmp_path / "fake", pki=pki) as fake:
        token = request_token(hashlib.sha256(DATA).digest(), fake.url,
                              ca_file=fake.root_pem_path).token
    names = [c.subject.native.get("common_name") for c in public_roots()]
    assert "DigiCert Trusted Root G4" in names  # the name is real, the key is not
    result = verify_token(token, hashlib.sha256(DATA).digest(), intermediates_pem=pki.chain_pem)
    assert result.problems == ["untrusted chain"] and result.trusted is False
    assert result.tsa is not None and "DigiCert" in result.tsa
    assert verify_token(token, hashlib.sha256(DATA).digest(), trust_roots_pem=pki.root_pem).ok


def test_public_roots_hold_the_default_tsa_roots() -> None:
    names = {c.subject.native.get("common_name") for c in public_roots()}
    assert {"DigiCert Trusted Root G4", "USERTrust RSA Certification Authority"} <= names
    assert len(trust_roots(other_root_pem())) == len(public_roots()) + 1
    only = trust_roots(other_root_pem(), public=False)
    assert [c.dump() for c in only] == [c.dump() for c in load_pem_certificates(other_root_pem())]


def test_unreadable_roots_mean_untrusted(stamped: tuple[bytes, bytes]) -> None:
    token, _root = stamped
    assert check(token, roots=b"junk").problems == ["untrusted chain"]


@pytest.mark.parametrize("junk", [b"", b"\x30\x03\x02\x01\x00", b"not a token" * 10])
def test_garbage_is_malformed(junk: bytes) -> None:
    result = check(junk)
    assert not result.ok and result.problems == ["malformed token"]


def test_truncated_token_is_malformed(stamped: tuple[bytes, bytes]) -> None:
    token, _root = stamped
    assert check(token[:-1]).problems == ["malformed token"]
    assert check(token + b"\x00").problems == ["malformed token"]


def test_problems_have_messages_in_both_languages() -> None:
    for problem in PROBLEMS:
        en = describe_problem(problem, "en")
        ko = describe_problem(problem, "ko")
        assert en and ko and en != ko
        assert not en.startswith("timestamps.")
    assert "해시" in describe_problem("imprint mismatch", "ko")


def test_token_check_messages(stamped: tuple[bytes, bytes], tmp_path: Path) -> None:
    token, root = stamped
    result = check(flip_signature_byte(token), roots=root)
    assert result.messages("en") == [describe_problem("bad signature", "en")]
