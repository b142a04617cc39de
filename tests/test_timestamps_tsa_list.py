"""try_tsas: several TSAs tried in order; all failing means a clear, queue-friendly error.
The default public TSAs are data only here: no test contacts them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from evidencekit.errors import TimestampError
from evidencekit.timestamps.trust import public_roots
from evidencekit.timestamps.tsa_list import (
    DEFAULT_TSA_URLS,
    DEFAULT_TSAS,
    TsaFailure,
    try_tsas,
)
from tests.support.tsa_server import LocalTSA, block_internet, impostor_pki, refused_url

DIGEST = hashlib.sha256(b"part bytes").digest()


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    attempts = block_internet(monkeypatch)
    yield attempts
    assert attempts == [], f"a test tried to reach {attempts}"


@pytest.fixture
def good(tmp_path: Path) -> Iterator[LocalTSA]:
    with LocalTSA(tmp_path / "good") as server:
        yield server


@pytest.fixture
def bad(tmp_path: Path) -> Iterator[LocalTSA]:
    with LocalTSA(tmp_path / "bad", mode="bad_signature") as server:
        yield server


def test_defaults_are_public_tsas_with_public_roots() -> None:
    assert DEFAULT_TSA_URLS == tuple(t.url for t in DEFAULT_TSAS)
    assert "http://timestamp.digicert.com" in DEFAULT_TSA_URLS
    assert len(set(DEFAULT_TSA_URLS)) == len(DEFAULT_TSA_URLS) >= 2
    for entry in DEFAULT_TSAS:
        parts = urlsplit(entry.url)
        assert parts.scheme in ("http", "https") and parts.hostname and entry.name
    # FreeTSA's root is in no public CA bundle: its tokens could never verify
    assert not any("freetsa" in url for url in DEFAULT_TSA_URLS)
    names = {c.subject.native.get("common_name") for c in public_roots()}
    assert "FreeTSA Root CA" not in names


def test_falls_through_dead_tsa_to_good_one(good: LocalTSA) -> None:
    seen: list[tuple[int, int, str]] = []
    dead = refused_url()
    result = try_tsas(
        DIGEST, [dead, good.url], timeout=5, ca_file=good.root_pem_path,
        progress=lambda d, t, k: seen.append((d, t, k))
    )
    assert result.tsa_url == good.url
    assert len(good.requests) == 1
    assert seen[0] == (0, 2, "timestamps.progress.trying")
    assert seen[-1] == (2, 2, "timestamps.progress.done")


def test_falls_through_bad_answer_to_good_one(bad: LocalTSA, good: LocalTSA) -> None:
    result = try_tsas(DIGEST, [bad.url, good.url], ca_file=good.root_pem_path)
    assert result.tsa_url == good.url and result.trusted is True
    assert len(bad.requests) == 1


def test_first_good_one_wins(good: LocalTSA, bad: LocalTSA) -> None:
    assert try_tsas(DIGEST, [good.url, bad.url], ca_file=good.root_pem_path).tsa_url == good.url
    assert bad.requests == []


def test_untrusted_tsa_skipped_for_a_trusted_one(tmp_path: Path, good: LocalTSA) -> None:
    with LocalTSA(tmp_path / "fake", pki=impostor_pki()) as fake:
        result = try_tsas(DIGEST, [fake.url, good.url], ca_file=good.root_pem_path)
        assert result.tsa_url == good.url and len(fake.requests) == 1
        with pytest.raises(TimestampError) as info:
            try_tsas(DIGEST, [fake.url], ca_file=good.root_pem_path)
    err = info.value
    assert err.key == "timestamps.all_failed"
    (failure,) = err.params["failures"]  # type: ignore[misc]
    assert failure.key == "timestamps.untrusted" and failure.problems == ["untrusted chain"]
    assert "untrusted chain" in str(err.params["details"])


def test_all_down_is_offline(good: LocalTSA) -> None:
    good.mode = "down"
    urls = [refused_url(), good.url]
    with pytest.raises(TimestampError) as info:
        try_tsas(DIGEST, urls, timeout=5)
    err = info.value
    assert err.key == "timestamps.offline"
    assert err.params["count"] == 2
    failures = err.params["failures"]
    assert isinstance(failures, list) and len(failures) == 2
    assert all(isinstance(f, TsaFailure) for f in failures)
    assert [f.url for f in failures] == urls
    assert all(f.key == "timestamps.unreachable" for f in failures)
    assert "offline" in err.message("en") and "queued" in err.message("en")
    assert "대기" in err.message("ko")


def test_all_failing_with_a_bad_answer(bad: LocalTSA) -> None:
    with pytest.raises(TimestampError) as info:
        try_tsas(DIGEST, [refused_url(), bad.url], timeout=5, ca_file=bad.root_pem_path)
    err = info.value
    assert err.key == "timestamps.all_failed"
    failures = err.params["failures"]
    assert isinstance(failures, list)
    assert failures[1].problems == ["bad signature"]
    assert "bad signature" in str(err.params["details"])


def test_no_tsa_configured() -> None:
    with pytest.raises(TimestampError) as info:
        try_tsas(DIGEST, [])
    assert info.value.key == "timestamps.no_tsa"


def test_default_hosts_never_reached_in_tests(no_internet: list[str]) -> None:
    """The guard itself: contacting a default TSA from a test fails loudly and is recorded."""
    with pytest.raises(TimestampError) as info:
        try_tsas(DIGEST, DEFAULT_TSA_URLS[:1], timeout=2)
    assert info.value.key == "timestamps.offline"
    assert no_internet == ["timestamp.digicert.com"]
    no_internet.clear()
