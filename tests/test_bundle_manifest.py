"""Manifest pieces: safe names, item ranges, custody disclosure, catalogue parity."""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys

import pytest

from evidencekit.bundle.export import parse_item_ranges
from evidencekit.bundle.manifest import (
    NameAllocator,
    chain_records,
    display_fingerprint,
    parse_manifest,
    record_from_json,
    record_to_json,
    safe_file_name,
)
from evidencekit.errors import InputError, IntegrityError
from evidencekit.resources import resource_path
from evidencekit.vault.custody import verify_chain
from tests.support.bundle_fake import build_demo_vault


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("original.jpg", "original.jpg"),
        ("rendering.png", "rendering.png"),
        ("exchange.warc.gz", "exchange.warc.gz"),
        ("증거 사진.PNG", "part.png"),
        ("Café menu (1).jpeg", "Cafe_menu_1.jpeg"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        (".hidden", "hidden"),
        ("", "part"),
        ("a" * 300 + ".txt", "a" * 76 + ".txt"),
        ("name.with spaces.tar.gz", "name.with_spaces.tar.gz"),
        ("evil\x00name.bin", "evil_name.bin"),
    ],
)
def test_safe_file_name(name: str, expected: str) -> None:
    result = safe_file_name(name)
    assert result == expected
    assert set(result) <= set(string.ascii_letters + string.digits + "._-")


def test_allocator_is_unique_and_numbered() -> None:
    names = NameAllocator()
    got = [names.part_name(3, "original.jpg", 0), names.part_name(3, "original.jpg", 1),
           names.part_name(3, "사진.jpg", 2), names.part_name(3, "사진.jpg", 3),
           names.part_name(1234, "x", 0), names.take("manifest.json")]
    assert got == ["003-original.jpg", "003-original-2.jpg", "003-part3.jpg", "003-part4.jpg",
                   "1234-x", "manifest-2.json"]
    assert len({g.lower() for g in got}) == len(got)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("1", [1]), ("1,3-7", [1, 3, 4, 5, 6, 7]), (" 2 , 2, 1-2 ", [1, 2]), ("10-10", [10])],
)
def test_parse_item_ranges(text: str, numbers: list[int]) -> None:
    assert parse_item_ranges(text) == numbers


@pytest.mark.parametrize("text", ["", " ", "0", "a", "1,,2", "3-1", "1-", "-3", "1;2",
                                  "1-99999999", "1.5"])
def test_parse_item_ranges_rejects(text: str) -> None:
    with pytest.raises(InputError) as e:
        parse_item_ranges(text)
    assert e.value.key == "bundle.bad_items"


def test_chain_records_disclose_only_exported_and_vault_events() -> None:
    vault = build_demo_vault(with_tokens=False)
    exported = {vault.item(n).id for n in (1, 6)}
    records = chain_records(vault.events(), exported)
    assert verify_chain(records) == []
    kinds = {}
    for rec, event in zip(records, vault.events(), strict=True):
        assert rec.hash == event.hash and rec.prev_hash == event.prev_hash
        if rec.body is not None:
            kinds[rec.seq] = rec.body["event"]
            assert rec.body.get("item_id") in exported or "item_id" not in rec.body
        else:
            assert event.item_id not in exported
    assert "vault_created" in kinds.values() and "passphrase_changed" in kinds.values()
    assert sum(1 for r in records if r.body is None) >= 6
    # round trip through JSON keeps the chain verifiable
    again = [record_from_json(json.loads(json.dumps(record_to_json(r)))) for r in records]
    assert again == records
    # altering a disclosed body is detected by its digest
    forged = dict(records[0].body or {}, holder="someone else")
    broken = [records[0].__class__(**{**record_to_json(records[0]), "body": forged}),
              *records[1:]]
    assert verify_chain(broken)


def test_record_from_json_rejects_malformed() -> None:
    for bad in ({}, {"seq": "1"}, {"seq": 1, "prev_hash": "x", "body_sha256": "y", "hash": "z"},
                [], {"seq": True, "prev_hash": "0" * 64, "body_sha256": "0" * 64,
                     "hash": "0" * 64}):
        with pytest.raises(ValueError):
            record_from_json(bad)


def test_parse_manifest_refuses_garbage() -> None:
    for data in (b"", b"{", b"[]", b'{"format": "other"}',
                 json.dumps({"format": "evidencekit-bundle", "version": 2}).encode()):
        with pytest.raises(IntegrityError):
            parse_manifest(data)


def test_display_fingerprint() -> None:
    assert display_fingerprint("ab01" + "0" * 60).startswith("AB:01:00")
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", display_fingerprint("f" * 64))


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    en = json.loads(resource_path("i18n", "en", "bundle.json").read_text(encoding="utf-8"))
    ko = json.loads(resource_path("i18n", "ko", "bundle.json").read_text(encoding="utf-8"))
    assert set(en) == set(ko)
    field = re.compile(r"\{(\w+)\}")
    for key in en:
        assert key.startswith("bundle.")
        assert set(field.findall(en[key])) == set(field.findall(ko[key])), key
        assert ko[key].strip(), key


def test_every_key_used_in_code_exists() -> None:
    from pathlib import Path

    from evidencekit.i18n import catalogue

    en = catalogue("en")  # every catalogue file: new keys live in each area's own file
    code = "".join(p.read_text(encoding="utf-8")
                   for p in Path(resource_path("..")).resolve().joinpath(
                       "evidencekit", "bundle").glob("*.py"))
    used = set(re.findall(r"""["'](bundle\.[a-z_]+\.[a-z_.]+[a-z_]|bundle\.[a-z_]+)["']""",
                          code))
    missing = {k for k in used if k not in en and not k.endswith(".")}
    assert not missing, missing


def test_importing_the_bundle_package_does_not_load_qt() -> None:
    code = ("import sys; import evidencekit.bundle.export, evidencekit.bundle.verify; "
            "print('PySide6' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
