"""The bundle's item pages name the other items holding the same picture, with the PDQ
hash, and say which copy was matched as a cut version; items without a copy say nothing
of copies."""

from __future__ import annotations

import re
from pathlib import Path

from evidencekit.model import NewItem, PartInput
from tests.conftest import run_cli
from tests.support.bundle_tools import pdftotext
from tests.support.similar_pictures import copies_of, different_picture, encode, photo
from tests.support.vault_util import open_vault


def test_item_pages_name_the_other_copies(vault_dir: Path, tmp_path: Path) -> None:
    img = photo()
    pictures = [("original.jpg", encode(img, quality=90)),
                ("mirrored.jpg", copies_of(img)["mirrored.jpg"]),
                ("other.png", different_picture(3)),
                ("cut_left.jpg", copies_of(img)["cut_left.jpg"])]
    with open_vault(vault_dir) as v:
        for name, data in pictures:
            v.add_item(NewItem(kind="file", title=name, source=name, parts=[
                PartInput(name=name, media_type="image/png", data=data)]))
        pdq = v.item(1).metadata["pdq"]["hashes"][0]["hash"]
    out = tmp_path / "bundle.pdf"
    res = run_cli("export", vault_dir, out, "--items", "1,3", "--no-timestamp", "--lang", "en")
    assert res.code == 0, res.err
    text = " ".join(pdftotext(out).split())
    assert "Same picture also in" in text
    # a copy outside the bundle is still named; only the one cut on one side is labelled
    assert re.search(r"item #2 \(distance \d+\)", text), text
    assert re.search(r"item #4 \(distance \d+, cut copy\)", text), text
    assert text.count("cut copy)") == 1 and text.count("Cut copy: found by") == 1
    assert text.count("Same picture also in") == 1  # item 3 has no copy
    assert pdq[:16] in text.replace(" ", "")


def test_a_picture_copied_many_times_still_exports(vault_dir: Path, tmp_path: Path) -> None:
    """80 copies of one picture: each item page names the ten nearest with their distance
    and the rest by number, and no table cell outgrows a page (it did: LayoutError)."""
    from evidencekit.bundle.export import export_bundle
    from evidencekit.similar.bundle_view import MAX_LISTED

    small = encode(photo().resize((160, 120)), "PNG")
    with open_vault(vault_dir) as v:
        for n in range(80):
            v.add_item(NewItem(kind="file", title=f"copy-{n}.png", source=f"copy-{n}.png",
                               parts=[PartInput(name="copy.png", media_type="image/png",
                                                data=small)]))
        result = export_bundle(v, tmp_path / "many.pdf", lang="ko")
    text = pdftotext(result.path)
    assert text.count("그 밖에 같은 사진이 있는 증거 자료 69건") == 80
    first_page = text.split("증거 자료 #1 —", 1)[1].split("증거 자료 #2 —", 1)[0]
    assert len(re.findall(r"증거 자료 #\d+ \(거리 0\)", first_page)) == MAX_LISTED
