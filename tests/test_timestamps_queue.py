"""The vault's timestamp queue through the CLI: tokens obtained per part and verified by
openssl on the extracted part; TSA down -> queued, clear message, completed later; bad
TSA answers rejected with nothing stored; a TSA that does not chain to the public roots or
to roots the user added (a self-made "DigiCert") is refused and the parts stay queued;
show --json reports per-part timestamps."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from evidencekit.timestamps.client import request_token
from evidencekit.timestamps.queue import timestamp_vault, waiting_parts
from tests.conftest import run_cli
from tests.support.tsa_server import LocalTSA, block_internet, impostor_pki
from tests.support.vault_util import add_bytes, open_vault


def _fill(vault_dir: Path) -> None:
    with open_vault(vault_dir) as v:
        add_bytes(v, b"first evidence file")
        add_bytes(v, "두 번째 증거".encode())


def test_tokens_per_part_and_openssl_verifies(vault_dir: Path, tmp_path: Path,
                                              monkeypatch) -> None:
    block_internet(monkeypatch)
    _fill(vault_dir)
    with LocalTSA(tmp_path / "tsa") as tsa:
        res = run_cli("timestamp", vault_dir, "--tsa", tsa.url, "--tsa-ca", tsa.root_pem_path,
                      "--save")
        assert res.code == 0, res.err
        assert "Item #1" in res.out and "Item #2" in res.out and "custody log" in res.out
        assert "root certificate(s)" in res.out
        shown = json.loads(run_cli("show", vault_dir, "2", "--json").out)
        ts = shown["parts"][0]["timestamp"]
        assert ts["status"] == "verified" and ts["tsa"] and ts["time"].endswith("+00:00")
        # openssl verifies the token against the extracted part with nothing else
        with open_vault(vault_dir) as v:
            part_ts = v.item(2).parts[0].timestamp
            assert v.get_setting("tsa_urls") == [tsa.url]
            assert "BEGIN CERTIFICATE" in v.get_setting("tsa_roots_pem")
            assert v.events()[-1].kind == "log_timestamped"
        assert part_ts is not None and part_ts["trusted"] is True
        tsr = tmp_path / "part.tsr"
        tsr.write_bytes(base64.b64decode(part_ts["token"]))
        data = tmp_path / "part.bin"
        assert run_cli("extract", vault_dir, "2", data).code == 0
        proc = subprocess.run(["openssl", "ts", "-verify", "-data", str(data), "-in", str(tsr),
                               "-CAfile", str(tsa.chain_pem_path)],
                              capture_output=True, text=True)
        assert "Verification: OK" in proc.stdout, proc.stdout + proc.stderr
        # A second run has nothing to do (the saved root is used: no --tsa-ca needed).
        res = run_cli("timestamp", vault_dir)
        assert res.code == 0 and "already" in res.out
    assert run_cli("check", vault_dir).code == 0


def test_tsa_down_queues_and_completes_later(vault_dir: Path, tmp_path: Path,
                                             monkeypatch) -> None:
    block_internet(monkeypatch)
    _fill(vault_dir)
    with LocalTSA(tmp_path / "tsa") as tsa:
        tsa.mode = "down"
        res = run_cli("timestamp", vault_dir, "--tsa", tsa.url, "--tsa-ca", tsa.root_pem_path,
                      "--save")
        assert res.code == 9
        assert "Still waiting: 2 part(s)" in res.err and "nothing was lost" in res.err
        with open_vault(vault_dir) as v:
            assert all(p.timestamp is None for i in v.items() for p in i.parts)
        tsa.mode = "ok"
        res = run_cli("timestamp", vault_dir, "--tsa-ca", tsa.root_pem_path)
        assert res.code == 0, res.err
        with open_vault(vault_dir) as v:
            assert all(p.timestamp for i in v.items() for p in i.parts)


def test_misbehaving_tsa_rejected_nothing_stored(vault_dir: Path, tmp_path: Path,
                                                 monkeypatch) -> None:
    block_internet(monkeypatch)
    _fill(vault_dir)
    with LocalTSA(tmp_path / "tsa") as tsa:
        for mode in ("wrong_imprint", "wrong_nonce", "bad_signature"):
            tsa.mode = mode
            res = run_cli("timestamp", vault_dir, "--tsa", tsa.url,
                          "--tsa-ca", tsa.root_pem_path)
            assert res.code == 9, (mode, res.err)
            named = {"wrong_imprint": "imprint mismatch", "wrong_nonce": "nonce mismatch",
                     "bad_signature": "bad signature"}[mode]
            assert named in res.err, res.err
            with open_vault(vault_dir) as v:
                assert all(p.timestamp is None for i in v.items() for p in i.parts), mode
                assert not any(e.kind == "timestamp_received" for e in v.events())


def test_untrusted_tsa_refused_parts_stay_queued(vault_dir: Path, tmp_path: Path,
                                                monkeypatch) -> None:
    """F4: without its root, a local TSA is not trusted; a self-made "DigiCert" (its
    self-signed root carries the name of DigiCert's public root) never is."""
    block_internet(monkeypatch)
    _fill(vault_dir)
    with LocalTSA(tmp_path / "tsa") as tsa, \
            LocalTSA(tmp_path / "fake", pki=impostor_pki()) as fake:
        res = run_cli("timestamp", vault_dir, "--tsa", tsa.url)
        assert res.code == 9
        assert "untrusted chain" in res.err and "Still waiting: 2 part(s)" in res.err
        with open_vault(vault_dir) as v:
            run = timestamp_vault(v, urls=[fake.url])
            assert run.error is not None and run.error.key == "timestamps.all_failed"
            (failure,) = run.error.params["failures"]  # type: ignore[misc]
            assert failure.key == "timestamps.untrusted"
            assert "DigiCert" in failure.message and "untrusted chain" in failure.message
            assert run.stamped == [] and not run.log_stamped and run.waiting == 2
            assert all(p.timestamp is None for i in v.items() for p in i.parts)
            kinds = [e.kind for e in v.events()]
            assert "timestamp_received" not in kinds and "log_timestamped" not in kinds
        # with the local root given, the same TSA is fine
        res = run_cli("timestamp", vault_dir, "--tsa", tsa.url, "--tsa-ca", tsa.root_pem_path)
        assert res.code == 0, res.err


def test_stored_untrusted_token_is_queued_again(vault_dir: Path, tmp_path: Path,
                                                monkeypatch) -> None:
    """A token kept before the trust rule (no ``trusted: true``) that does not chain to the
    trust store counts as waiting and is replaced by a trusted one."""
    block_internet(monkeypatch)
    with open_vault(vault_dir) as v:
        item = add_bytes(v, b"evidence from before")
        with LocalTSA(tmp_path / "fake", pki=impostor_pki()) as fake, \
                LocalTSA(tmp_path / "tsa") as tsa:
            old = request_token(bytes.fromhex(item.parts[0].sha256), fake.url,
                                ca_file=fake.root_pem_path)
            record = {**old.record(), "trusted": None,
                      "token": base64.b64encode(old.token).decode()}
            v.set_part_timestamp(1, 0, record)
            assert [(i.number, n) for i, n in waiting_parts(v)] == [(1, 0)]
            v.set_setting("tsa_roots_pem", tsa.root_pem.decode())
            run = timestamp_vault(v, urls=[tsa.url])
            assert run.error is None and run.stamped == [(1, "original.bin")]
        stamped = v.item(1).parts[0].timestamp
        assert stamped is not None and stamped["trusted"] is True
        assert stamped["tsa"] == "EvidenceKit Test TSA"
        assert waiting_parts(v) == []
