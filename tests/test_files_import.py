"""Importing files: every hostile or odd input gives an item or a clear per-file error."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from evidencekit.capture import files as files_mod
from evidencekit.capture.files import ImportOutcome, display_name, import_file, iter_import
from evidencekit.errors import InputError, NotFoundError, StorageError
from evidencekit.i18n import tr
from evidencekit.model import ItemKind, NewItem, canonical_json
from tests.support import capture_files as cf


def _check_item(item: NewItem, path: Path) -> dict[str, Any]:
    """What every imported item must satisfy: one part streamed from the path, JSON-safe
    metadata, warnings that are catalogue keys."""
    assert item.kind == ItemKind.FILE
    assert len(item.parts) == 1
    part = item.parts[0]
    assert part.data is None and part.path == Path(os.path.abspath(path))
    assert part.name.startswith("original.") and part.name.isascii()
    assert "/" not in part.name and "\\" not in part.name
    canonical_json(item.metadata)  # must encode (no surrogates, no NaN)
    for key in item.metadata["warnings"]:
        assert tr(key, "en") != key and tr(key, "ko") != key
    return item.metadata


# --- hostile images ---------------------------------------------------------------------


def test_decompression_bomb_is_kept_without_preview(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "bomb.png", cf.bomb_png(30000, 30000))
    assert path.stat().st_size < 200_000  # small on disk
    t0 = time.perf_counter()
    item = import_file(path)
    assert time.perf_counter() - t0 < 2.0  # never decoded
    meta = _check_item(item, path)
    assert meta["media_type"] == "image/png"
    image = meta["image"]
    assert image["bomb"] is True and image["preview"] is False
    assert image["image_error"] == "capture.image.bomb"
    assert image["declared_pixels"] == 900_000_000
    assert "capture.warn.image_bomb" in meta["warnings"]
    assert meta["size"] == path.stat().st_size


def test_bomb_between_warning_and_error_limits(tmp_path: Path) -> None:
    # 10000 x 10000 = 1e8 pixels: above Pillow's warning limit, below its error limit.
    path = cf.write(tmp_path / "warnbomb.png", cf.bomb_png(10000, 10000, rows=2))
    image = import_file(path).metadata["image"]
    assert image["bomb"] is True and image["preview"] is False
    assert (image["width"], image["height"]) == (10000, 10000)


def test_truncated_jpeg(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "cut.jpg", cf.truncated_jpeg())
    meta = _check_item(import_file(path), path)
    assert meta["media_type"] == "image/jpeg"
    assert meta["image"]["image_error"] == "capture.image.truncated"
    assert meta["image"]["preview"] is False
    assert (meta["image"]["width"], meta["image"]["height"]) == (640, 480)
    assert "capture.warn.image_truncated" in meta["warnings"]


def test_corrupt_png_checksum(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "broken.png", cf.corrupt_png_crc())
    meta = _check_item(import_file(path), path)
    assert meta["image"]["image_error"] == "capture.image.corrupt"
    assert "capture.warn.image_corrupt" in meta["warnings"]


def test_corrupt_png_data_with_valid_checksums(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "garbage.png", cf.corrupt_png_stream())
    meta = _check_item(import_file(path), path)
    assert meta["image"]["image_error"] in ("capture.image.corrupt", "capture.image.truncated")
    assert meta["image"]["preview"] is False


def test_image_bytes_are_untouched(tmp_path: Path) -> None:
    data = cf.jpeg_bytes(exif=cf.camera_exif())
    path = cf.write(tmp_path / "photo.jpg", data)
    before = path.stat()
    import_file(path)
    assert path.read_bytes() == data
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_exif_camera_time_and_gps(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "phone.jpg", cf.jpeg_bytes(exif=cf.camera_exif()))
    meta = _check_item(import_file(path), path)
    image = meta["image"]
    assert image["exif"] is True
    assert image["camera_make"] == "Samsung"
    assert image["camera_model"] == "SM-S918N"  # trailing NUL removed
    assert image["datetime_original"] == "2024:08:01 21:15:42"
    assert image["offset_time_original"] == "+09:00"
    assert image["gps"] is True
    assert image["gps_position"]["latitude"] == pytest.approx(37.566389, abs=1e-5)
    assert image["gps_position"]["longitude"] == pytest.approx(126.977778, abs=1e-5)
    assert image["preview"] is True and image["decode_checked"] is True
    assert "capture.warn.gps_location" in meta["warnings"]


def test_image_without_exif(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "plain.png", cf.png_bytes(321, 123))
    image = import_file(path).metadata["image"]
    assert image == {
        "format": "PNG", "width": 321, "height": 123, "mode": "RGB", "frames": 1,
        "animated": False, "exif": False, "gps": False, "decode_checked": True,
        "preview": True,
    }


def test_animated_gif_frame_count(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "anim.gif", cf.animated_gif(4))
    image = import_file(path).metadata["image"]
    assert image["frames"] == 4 and image["animated"] is True


# --- odd files --------------------------------------------------------------------------


def test_zero_byte_file_is_imported_with_a_warning(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "empty.jpg", b"")
    meta = _check_item(import_file(path), path)
    assert meta["size"] == 0
    assert meta["media_type"] == "application/octet-stream"
    assert meta["warnings"][0] == "capture.warn.empty_file"
    assert "image" not in meta


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError) as info:
        import_file(tmp_path / "없는 파일.png")
    assert info.value.key == "capture.file.missing"
    assert "없는 파일.png" in info.value.message("ko")


def test_directory_given_to_import_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        import_file(tmp_path)
    assert info.value.key == "capture.file.is_directory"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result: list[BaseException] = []

    def run() -> None:
        try:
            import_file(fifo)
        except InputError as exc:
            result.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "import_file blocked on a FIFO"
    assert result and getattr(result[0], "key", None) == "capture.file.not_regular"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="running as root: chmod 000 does not stop root from reading (and the interpreter "
    "is not reachable for an unprivileged user here); test_unreadable_file_simulated covers it",
)
def test_unreadable_file_real_permissions(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "secret.png", cf.png_bytes())
    path.chmod(0)
    try:
        with pytest.raises(InputError) as info:
            import_file(path)
        assert info.value.key == "capture.file.unreadable"
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Root can read a chmod-000 file, so opening is made to fail as it would for a user:
    ``os.open`` raises ``PermissionError`` for this one path."""
    path = cf.write(tmp_path / "secret.png", cf.png_bytes())
    real_open = os.open

    def deny(p: Any, flags: int, *args: Any, **kw: Any) -> int:
        if Path(p) == path:
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, flags, *args, **kw)

    monkeypatch.setattr(files_mod.os, "open", deny)
    with pytest.raises(InputError) as info:
        import_file(path)
    assert info.value.key == "capture.file.unreadable"


def test_io_error_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cf.write(tmp_path / "usb.bin", b"x" * 100)

    def broken(*_a: Any, **_k: Any) -> Any:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(files_mod, "sniff_file", broken)
    with pytest.raises(StorageError) as info:
        import_file(path)
    assert info.value.key == "capture.file.read_failed"


def test_symlink_loop(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(InputError) as info:
        import_file(loop)
    assert info.value.key == "capture.file.symlink_loop"


def test_huge_file_is_streamed_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An 8 GiB (sparse) file: import_file reads only the sniffing head and leaves the
    bytes to the vault through ``PartInput.path``."""
    path = tmp_path / "huge.mp4"
    with path.open("wb") as fh:
        fh.write(cf.mp4_bytes())
        fh.truncate(8 * 1024**3)
    read_total = 0
    real_fdopen = os.fdopen

    class Counting:
        def __init__(self, fh: Any) -> None:
            self._fh = fh

        def read(self, size: int = -1) -> bytes:
            nonlocal read_total
            assert size is not None and size >= 0, "a read of the whole file"
            data: bytes = self._fh.read(size)
            read_total += len(data)
            return data

        def __getattr__(self, name: str) -> Any:
            return getattr(self._fh, name)

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self._fh.close()

    monkeypatch.setattr(files_mod.os, "fdopen", lambda fd, mode: Counting(real_fdopen(fd, mode)))
    tracemalloc.start()
    item = import_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert item.parts[0].path == path and item.parts[0].data is None
    assert item.metadata["size"] == 8 * 1024**3
    assert item.metadata["media_type"] == "video/mp4"
    assert read_total <= 128 * 1024
    assert peak < 16 * 1024**2


def test_extension_mismatch_warning(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "holiday.jpg", cf.png_bytes())
    item = import_file(path)
    meta = _check_item(item, path)
    assert meta["media_type"] == "image/png"
    assert item.parts[0].name == "original.jpg"  # the user's extension, sanitised
    assert item.parts[0].media_type == "image/png"  # the content's type
    assert "capture.warn.extension_mismatch" in meta["warnings"]
    assert meta["extension_media_type"] == "image/jpeg"


def test_chat_export_hint(tmp_path: Path) -> None:
    data = cf.zip_bytes({"WhatsApp Chat with 민지.txt": cf.whatsapp_chat()})
    path = cf.write(tmp_path / "WhatsApp Chat with 민지.zip", data)
    meta = import_file(path, title="민지 채팅", note="상담 중 받은 파일").metadata
    assert meta["media_detail"] == "chat-export:whatsapp"


def test_title_and_note(tmp_path: Path) -> None:
    path = cf.write(tmp_path / "a.txt", b"hello")
    item = import_file(path, title="  가해자 메시지 ", note="2024-08-01 텔레그램")
    assert item.title == "가해자 메시지"
    assert item.notes == ["2024-08-01 텔레그램"]
    assert import_file(path).title == "a.txt"


# --- names ------------------------------------------------------------------------------


def test_korean_name(tmp_path: Path) -> None:
    name = "딥페이크 증거 사진.png"
    path = cf.write(tmp_path / name, cf.png_bytes())
    item = import_file(path)
    meta = _check_item(item, path)
    assert meta["original_name"] == name and item.source == name and item.title == name
    assert item.parts[0].name == "original.png"
    assert meta["warnings"] == []


def test_emoji_name(tmp_path: Path) -> None:
    name = "증거 😡📸 👩‍💻.jpg"  # includes a zero-width joiner sequence, kept as is
    path = cf.write(tmp_path / name, cf.jpeg_bytes())
    item = import_file(path)
    assert item.metadata["original_name"] == name
    assert item.source == name
    assert "display_name" not in item.metadata


def test_name_of_255_bytes(tmp_path: Path) -> None:
    name = "가" * 83 + "ab.txt"  # 249 + 6 = 255 bytes in UTF-8, the usual NAME_MAX
    assert len(name.encode()) == 255
    path = cf.write(tmp_path / name, "긴 이름의 파일".encode())
    item = import_file(path)
    assert item.metadata["original_name"] == name
    assert item.source == name
    assert item.parts[0].name == "original.txt"


def test_name_too_long_for_the_system(tmp_path: Path) -> None:
    with pytest.raises((InputError, NotFoundError)) as info:
        import_file(tmp_path / ("가" * 100 + ".txt"))  # 303 bytes: longer than NAME_MAX
    assert info.value.key in ("capture.file.name_too_long", "capture.file.missing")


def test_control_characters_in_name(tmp_path: Path) -> None:
    name = "bell\x07tab\tesc\x1b[31m red \u202egpj.exe"
    path = cf.write(tmp_path / name, b"MZ" + b"\x00" * 200)
    item = import_file(path)
    meta = _check_item(item, path)
    assert meta["original_name"] == name  # exact, in the (encrypted) metadata
    shown = item.source
    assert shown == item.title == meta["display_name"]
    assert not any(ord(c) < 0x20 or c == "\u202e" for c in shown)
    assert "\\x07" in shown and "\\u202e" in shown and "\\x1b" in shown
    assert "capture.warn.name_control_chars" in meta["warnings"]
    assert item.parts[0].name == "original.exe"


def test_backslash_and_dots_in_name(tmp_path: Path) -> None:
    name = "..\\..\\windows\\evil.png"  # a "path" inside one name on POSIX
    path = cf.write(tmp_path / name, cf.png_bytes())
    item = import_file(path)
    assert item.metadata["original_name"] == name
    assert item.parts[0].name == "original.png"


def test_strange_extension_is_not_used_as_is(tmp_path: Path) -> None:
    # An "extension" with an underscore and a bidi override is not used for the part name.
    path = cf.write(tmp_path / "report.p_n\u202eg", cf.pdf_bytes())
    assert import_file(path).parts[0].name == "original.pdf"


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="needs arbitrary byte names")
def test_name_that_is_not_utf8(tmp_path: Path) -> None:
    raw = b"caf\xe9 \xff.txt"  # Latin-1 bytes from an old system
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), raw)))
    path.write_bytes(b"text")
    item = import_file(path)
    meta = _check_item(item, path)
    assert meta["original_name_hex"] == raw.hex()
    assert meta["original_name"] == "caf\\xe9 \\xff.txt"
    assert "capture.warn.name_not_utf8" in meta["warnings"]
    assert item.source == "caf\\xe9 \\xff.txt"


def test_display_name_keeps_korean_and_emoji() -> None:
    assert display_name("사진 😀.jpg") == "사진 😀.jpg"
    assert display_name("a\nb") == "a\\x0ab"


# --- batches ----------------------------------------------------------------------------


def _tree(root: Path) -> None:
    cf.write(root / "b_사진.png", cf.png_bytes())
    cf.write(root / "a_note.txt", "메모".encode())
    cf.write(root / "sub" / "deep" / "bomb.png", cf.bomb_png())
    cf.write(root / "sub" / "cut.jpg", cf.truncated_jpeg())
    cf.write(root / "sub" / "empty.dat", b"")
    cf.write(root / "z_chat.zip", cf.zip_bytes({"_chat.txt": cf.whatsapp_chat()}))
    (root / "sub" / "link_to_root").symlink_to(root, target_is_directory=True)
    (root / "file_link.txt").symlink_to(root / "a_note.txt")
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "sub" / "pipe")


def test_folder_tree_recursive_with_progress(tmp_path: Path) -> None:
    root = tmp_path / "증거 폴더"
    _tree(root)
    calls: list[tuple[int, int, str]] = []
    outcomes = list(iter_import([root], progress=lambda d, t, k: calls.append((d, t, k))))
    by_name = {o.path.name: o for o in outcomes}
    rel = [str(o.path.relative_to(root)) for o in outcomes]
    expected = [
        "a_note.txt", "b_사진.png", "file_link.txt", "sub/cut.jpg", "sub/deep/bomb.png",
        "sub/empty.dat", "sub/link_to_root",
    ]
    if hasattr(os, "mkfifo"):
        expected.append("sub/pipe")
    expected.append("z_chat.zip")
    assert rel == expected  # sorted, depth first, nothing followed twice
    assert by_name["link_to_root"].error is not None
    assert by_name["link_to_root"].error.key == "capture.folder.symlink_skipped"
    if hasattr(os, "mkfifo"):
        assert not by_name["pipe"].ok
        assert by_name["pipe"].error is not None
        assert by_name["pipe"].error.key == "capture.file.not_regular"
    for name in ("a_note.txt", "b_사진.png", "cut.jpg", "bomb.png", "empty.dat", "z_chat.zip"):
        assert by_name[name].ok, name
    assert by_name["file_link.txt"].ok
    assert by_name["file_link.txt"].item is not None
    assert by_name["file_link.txt"].item.metadata["via_symlink"] is True
    files_total = len(expected) - 1  # the skipped folder link is not a file
    assert calls[0] == (0, files_total, "capture.progress.importing")
    assert calls[-1] == (files_total, files_total, "capture.progress.importing")
    assert [c[0] for c in calls] == list(range(files_total + 1))


def test_batch_goes_on_after_errors(tmp_path: Path) -> None:
    good = cf.write(tmp_path / "good.txt", b"ok")
    outcomes = list(iter_import([tmp_path / "missing.png", tmp_path, good, tmp_path / "nope"]))
    assert [o.ok for o in outcomes] == [False, True, True, False]
    assert isinstance(outcomes[0], ImportOutcome)
    assert outcomes[0].error is not None and outcomes[0].error.key == "capture.file.missing"


def test_unexpected_exception_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = cf.write(tmp_path / "a.txt", b"a")
    b = cf.write(tmp_path / "b.txt", b"b")
    real = files_mod.import_file

    def flaky(path: Any, **kw: Any) -> NewItem:
        if Path(path).name == "a.txt":
            raise RuntimeError("bug")
        return real(path, **kw)

    monkeypatch.setattr(files_mod, "import_file", flaky)
    outcomes = list(iter_import([a, b]))
    assert outcomes[0].error is not None and outcomes[0].error.key == "capture.file.failed"
    assert outcomes[1].ok


def test_not_recursive(tmp_path: Path) -> None:
    cf.write(tmp_path / "top.txt", b"1")
    cf.write(tmp_path / "sub" / "inner.txt", b"2")
    names = [o.path.name for o in iter_import([tmp_path], recursive=False)]
    assert names == ["top.txt"]


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="as root an unreadable folder is still readable",
)
def test_unreadable_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    cf.write(locked / "x.txt", b"x")
    locked.chmod(0)
    try:
        outcomes = list(iter_import([tmp_path]))
        assert outcomes[0].error is not None
        assert outcomes[0].error.key == "capture.folder.unreadable"
    finally:
        locked.chmod(0o700)


def test_unreadable_folder_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    cf.write(locked / "x.txt", b"x")
    cf.write(tmp_path / "y.txt", b"y")
    real = os.scandir

    def deny(p: Any) -> Any:
        if Path(p) == locked:
            raise PermissionError(13, "Permission denied", str(p))
        return real(p)

    monkeypatch.setattr(files_mod.os, "scandir", deny)
    outcomes = list(iter_import([tmp_path]))
    assert outcomes[0].error is not None
    assert outcomes[0].error.key == "capture.folder.unreadable"
    assert outcomes[1].ok and outcomes[1].path.name == "y.txt"


def test_importing_does_not_load_qt() -> None:
    import subprocess

    code = (
        "import sys; import evidencekit.capture.files, evidencekit.capture.sniff, "
        "evidencekit.capture.imagemeta, evidencekit.capture.screen; "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt loaded'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr


def test_pillow_state_is_not_changed(tmp_path: Path) -> None:
    before = Image.MAX_IMAGE_PIXELS
    import_file(cf.write(tmp_path / "b.png", cf.bomb_png()))
    assert Image.MAX_IMAGE_PIXELS == before


# --- end to end: into the vault, then its check -----------------------------------------


def _hostile_tree(root: Path) -> dict[str, bytes]:
    files = {
        "bomb.png": cf.bomb_png(),
        "cut.jpg": cf.truncated_jpeg(),
        "broken.png": cf.corrupt_png_crc(),
        "garbage.png": cf.corrupt_png_stream(),
        "empty.dat": b"",
        "딥페이크 증거.png": cf.png_bytes(),
        "증거 😡📸.jpg": cf.jpeg_bytes(exif=cf.camera_exif()),
        "가" * 83 + "ab.txt": "긴 이름".encode(),
        "bell\x07\u202egpj.exe": b"MZ" + b"\x00" * 64,
        "..\\evil.zip": cf.zip_bytes({"_chat.txt": cf.whatsapp_chat()}),
    }
    for name, data in files.items():
        cf.write(root / name, data)
    return files


def test_hostile_files_into_the_vault_and_check(vault_dir: Path, tmp_path: Path) -> None:
    from evidencekit.vault.check import check_vault
    from tests.support.vault_util import open_vault

    src = tmp_path / "src"
    files = _hostile_tree(src)
    outcomes = list(iter_import([src, tmp_path / "missing.bin"]))
    assert [o.ok for o in outcomes] == [True] * len(files) + [False]
    with open_vault(vault_dir) as vault:
        stored = {}
        for outcome in outcomes:
            if outcome.item is not None:
                item = vault.add_item(outcome.item)
                stored[outcome.item.metadata["original_name"]] = item.number
        report = check_vault(vault)
        assert report.ok, [f.message("en") for f in report.findings]
        assert report.items_checked == len(files)
        for name, data in files.items():
            item = vault.item(stored[name])
            assert vault.read_part_bytes(item) == data  # bytes untouched, bomb included
            assert item.metadata["original_name"] == name
            assert item.parts[0].name.startswith("original.")
        bomb = vault.item(stored["bomb.png"])
        assert bomb.metadata["image"]["bomb"] is True
        shown = vault.item(stored["bell\x07\u202egpj.exe"]).source
        assert "\x07" not in shown and "\u202e" not in shown


def test_huge_sparse_file_into_the_vault(vault_dir: Path, tmp_path: Path) -> None:
    """A 256 MiB file goes in by streaming (memory stays flat) and checks clean."""
    from evidencekit.vault.check import check_vault
    from tests.support.vault_util import open_vault

    path = tmp_path / "big.mp4"
    with path.open("wb") as fh:
        fh.write(cf.mp4_bytes())
        fh.truncate(256 * 1024**2)
    item = import_file(path)
    with open_vault(vault_dir) as vault:
        tracemalloc.start()
        stored = vault.add_item(item)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert stored.size == 256 * 1024**2
        assert peak < 96 * 1024**2
        assert check_vault(vault).ok
