"""The manual route printed on the bundle's last pages, followed literally.

Each command of :func:`evidencekit.bundle.layout_howto.route_steps` runs as a subprocess
in a fresh folder, on a genuine timestamped bundle and on a forgery (the unsigned original
re-signed with a fresh key under the holder's name, the genuine certificate still
attached). ``pdfsig`` calls both signatures valid and the attached certificate copy shows
the genuine fingerprint in both; the certificate taken out of the signature (step 3) shows
the forgery's own. The genuine bundle has two large files in its side folder; the side
step checks them against the signed manifest, and a side folder with one byte changed, a
file missing or a file added fails that step.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from evidencekit.bundle.export import export_bundle
from evidencekit.bundle.layout_howto import (
    SIDE_LIST,
    SIDE_LIST_AWK,
    SIGNED_NAME,
    route_steps,
)
from evidencekit.bundle.manifest import CERT_NAME, display_fingerprint
from tests.support import attack_tools as tools
from tests.support.bundle_fake import build_demo_vault, make_tsa
from tests.support.bundle_tools import need, pdftotext

_FP = re.compile(r"sha256 Fingerprint=([0-9A-F:]{95})", re.IGNORECASE)


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    for tool in ("pdfsig", "pdfdetach", "openssl", "sha256sum", "head"):
        need(tool)
    folder = tmp_path_factory.mktemp("route")
    vault = build_demo_vault()
    stamper, _pem = make_tsa()
    genuine = folder / "genuine" / "bundle.pdf"
    genuine.parent.mkdir()
    # items 2 and 3 are larger than 300 kB: their files go to the side folder
    result = export_bundle(vault, genuine, items=[1, 2, 3, 6], timestamper=stamper,
                           max_embed_mb=0.3)
    assert len(result.side_files) == 2
    forged = folder / "forged" / "bundle.pdf"
    forged.parent.mkdir()
    forged.write_bytes(tools.resigned_with_a_fresh_key(
        genuine.read_bytes(), vault.identity()[1].subject.rfc4514_string().removeprefix("CN=")))
    shutil.copytree(genuine.parent / "bundle-files", forged.parent / "bundle-files")
    tsa_root = folder / "TSA-PUBLISHED-ROOT.pem"
    tsa_root.write_text(vault.tsa_pem)
    return {"genuine": genuine, "forged": forged, "fp": result.fingerprint,
            "tsa_root": tsa_root}


def _run(command: str, cwd: Path) -> str:
    """Run one printed command line in ``cwd`` with a POSIX shell, as a person would."""
    proc = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, capture_output=True,
                          timeout=120)
    return proc.stdout.decode() + proc.stderr.decode()


def follow_route(bundle: Path, tsa_root: Path) -> dict[str, Any]:
    """Every step, literally, with END and FILE filled in from what the steps show."""
    cwd = bundle.parent
    seen: dict[str, Any] = {}
    side = f"{bundle.stem}-files"
    steps = route_steps(bundle.name, side if (cwd / side).is_dir() else None)
    for key, commands, _expected in steps:
        for command in commands:
            if "END" in command:
                command = command.replace("END", str(seen["end"]))
            if "FILE" in command:
                token = sorted((cwd / "extracted").glob("*.tsr"))[0]
                chain = sorted((cwd / "extracted").glob("tsa-chain-*.pem"))[0]
                command = (command.replace("extracted/FILE.tsr", f"extracted/{token.name}")
                           .replace("extracted/FILE", f"extracted/{token.name[:-4]}")
                           .replace("TSA-PUBLISHED-ROOT.pem", str(tsa_root))
                           .replace("extracted/tsa-chain-….pem", f"extracted/{chain.name}"))
            if command.startswith("evidencekit"):
                continue  # the one-step tool is tested elsewhere
            out = _run(command, cwd)
            seen.setdefault(key, []).append(out)
            if key == "verify_trust.howto.step_pdfsig":
                first = out.split("Signature #2")[0]
                ranges = re.search(r"Signed Ranges: \[0 - \d+\], \[\d+ - (\d+)\]", first)
                assert ranges, out
                seen["end"] = int(ranges.group(1))
                seen["pdfsig"] = out
    signer = "".join(seen["verify_trust.howto.step_signer"])
    match = _FP.search(signer)
    assert match, signer
    seen["signer_fp"] = match.group(1).upper()
    # the attached copy, for comparison (the route says it proves nothing)
    copy = _run(f"openssl x509 -in extracted/{CERT_NAME} -noout -fingerprint -sha256", cwd)
    seen["copy_fp"] = _FP.search(copy).group(1).upper()  # type: ignore[union-attr]
    return seen


def test_genuine_bundle_by_hand(bundles: dict[str, Any]) -> None:
    seen = follow_route(bundles["genuine"], bundles["tsa_root"])
    first = seen["pdfsig"].split("Signature #2")[0]
    assert "Signature is Valid." in first and "Not total document signed" in first
    assert "Total document signed" in seen["pdfsig"].split("Signature #2")[1]
    cut = seen["verify_trust.howto.step_cut"][-1]
    assert "Total document signed" in cut and "Signature is Valid." in cut
    assert "Not total" not in cut
    assert seen["signer_fp"] == display_fingerprint(bundles["fp"])
    assert seen["copy_fp"] == seen["signer_fp"]
    sums = seen["verify_trust.howto.step_extract"][-1]
    import json

    manifest = json.loads((bundles["genuine"].parent / "extracted" / "manifest.json")
                          .read_text(encoding="utf-8"))
    listed = {f["file"]: f["sha256"] for f in manifest["files"] if f["location"] == "embedded"}
    for line in sums.splitlines():
        digest, name = line.split()
        name = name.removeprefix("extracted/")
        if name in listed:
            assert listed.pop(name) == digest, name
    assert not listed, f"not extracted: {listed}"
    assert "Verification: OK" in seen["verify_trust.howto.step_tokens"][-1]
    _side_step_holds(seen, manifest)


def _side_step_holds(seen: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Step 5: every side file of the signed manifest checked, OK, and the counts equal."""
    _awk, check, listed_count, folder_count = seen["verify_weak.howto.step_side"]
    side = sorted(f["path"] for f in manifest["files"] if f["location"] == "side")
    assert len(side) == 2
    assert sorted(check.splitlines()) == [f"{path}: OK" for path in side]
    assert listed_count.strip() == folder_count.strip() == "2"


def _side_step_problems(seen: dict[str, Any]) -> list[str]:
    """What step 5 shows a person: lines not ending in ': OK', and unequal counts."""
    _awk, check, listed_count, folder_count = seen["verify_weak.howto.step_side"]
    bad = [line for line in check.splitlines() if not line.endswith(": OK")]
    if listed_count.strip() != folder_count.strip():
        bad.append(f"counts {listed_count.strip()} != {folder_count.strip()}")
    return bad


@pytest.mark.parametrize("attack", ["byte", "missing", "added"])
def test_side_folder_tampering_by_hand(bundles: dict[str, Any], tmp_path: Path,
                                       attack: str) -> None:
    """The genuine PDF with its side folder changed: one byte of a file, a file removed,
    a file added. The signature steps all hold; the side step shows the change."""
    folder = tmp_path / "copy"
    folder.mkdir()
    shutil.copy(bundles["genuine"], folder / "bundle.pdf")
    shutil.copytree(bundles["genuine"].parent / "bundle-files", folder / "bundle-files")
    victim = sorted((folder / "bundle-files").iterdir())[0]
    if attack == "byte":
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
    elif attack == "missing":
        victim.unlink()
    else:
        (folder / "bundle-files" / "extra-evidence.png").write_bytes(b"not from the holder")
    seen = follow_route(folder / "bundle.pdf", bundles["tsa_root"])
    assert "Signature is Valid." in seen["verify_trust.howto.step_cut"][-1]
    assert (folder / SIDE_LIST).is_file()
    problems = _side_step_problems(seen)
    if attack == "byte":
        assert problems == [f"bundle-files/{victim.name}: FAILED",
                            "sha256sum: WARNING: 1 computed checksum did NOT match"], problems
    elif attack == "missing":
        assert any(f"bundle-files/{victim.name}" in p and "No such file" in p
                   for p in problems), problems
        assert f"bundle-files/{victim.name}: FAILED open or read" in problems
    else:
        assert problems == ["counts 2 != 3"], problems


def test_resigned_forgery_by_hand_shows_another_signer(bundles: dict[str, Any]) -> None:
    seen = follow_route(bundles["forged"], bundles["tsa_root"])
    assert "Signature is Valid." in seen["pdfsig"]  # pdfsig alone is fooled
    assert seen["copy_fp"] == display_fingerprint(bundles["fp"])  # so is the attached copy
    assert seen["signer_fp"] != display_fingerprint(bundles["fp"])  # step 3 is not


def test_the_route_is_printed_on_the_last_pages(bundles: dict[str, Any]) -> None:
    text = pdftotext(bundles["genuine"])
    flat = " ".join(text.split())
    for _key, commands, expected in route_steps(bundles["genuine"].name, "bundle-files",
                                                ("ko", "en")):
        for line in commands + expected:
            assert " ".join(line.split())[:40] in flat, line
    assert "proves nothing" in flat or "prove nothing" in flat
    assert "아무것도 증명하지 않습니다" in flat
    assert f"head -c END bundle.pdf > {SIGNED_NAME}" in flat
    # the side step's program exactly as a person would copy it from the page
    assert f"awk {SIDE_LIST_AWK} \\\n" in text
