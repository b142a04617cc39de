"""Screenshots: real captures under Xvfb (in subprocesses) and the logic with fakes."""

from __future__ import annotations

import io
import os
import random
from pathlib import Path

import pytest
from PIL import Image

from evidencekit.capture import screen as screen_mod
from evidencekit.capture.screen import (
    ScreenTarget,
    compose,
    encode_png,
    grab,
    is_black,
    screenshot_item,
)
from evidencekit.errors import CaptureError, InputError
from evidencekit.model import ItemKind, canonical_json
from tests.support.capture_fakes import FakeBackend, screen
from tests.support.capture_xvfb import BLACK, BLUE, RED, capture, colour_window, have_xvfb, xvfb

needs_xvfb = pytest.mark.requires_tools("Xvfb")

WIN = (100, 120, 400, 200)  # x, y, w, h of the colour window
TITLE = "증거 창 Evidence window"


def _png(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        assert im.format == "PNG"
        return im.convert("RGB")


def _check_window_pixels(im: Image.Image, ox: int, oy: int) -> None:
    """The colour window's left half is red and its right half blue, exactly."""
    x, y, w, h = WIN
    half = w // 2
    red = im.crop((ox, oy, ox + half, oy + h))
    blue = im.crop((ox + half, oy, ox + w, oy + h))
    assert red.getcolors() == [(half * h, RED)]
    assert blue.getcolors() == [((w - half) * h, BLUE)]


@pytest.fixture(scope="module")
def x_display() -> object:
    if not have_xvfb():
        pytest.skip("Xvfb is not installed")
    with xvfb(1280, 800) as display:
        with colour_window(display, *WIN, TITLE):
            yield display


# --- under Xvfb -------------------------------------------------------------------------


@needs_xvfb
@pytest.mark.xvfb
def test_capture_all_screens(x_display: str, tmp_path: Path) -> None:
    out = tmp_path / "all.png"
    result = capture(x_display, {"kind": "all"}, out)
    assert "error" not in result, result
    im = _png(out)
    assert im.size == (1280, 800)
    _check_window_pixels(im, WIN[0], WIN[1])
    assert im.getpixel((5, 5)) == BLACK and im.getpixel((1279, 799)) == BLACK
    meta = result["metadata"]
    assert isinstance(meta, dict)
    assert meta["capture_method"] == "qt"
    assert meta["window_system"] == "xcb"
    assert meta["screens"][0]["geometry"] == [0, 0, 1280, 800]
    assert meta["screens"][0]["device_pixel_ratio"] == 1.0
    assert meta["captured_at_utc"].endswith("+00:00")
    assert meta["timezone"]
    assert meta["program"]["name"] == "EvidenceKit" and meta["program"]["version"]
    assert meta["os"]["system"]
    assert meta["image"] == {"width": 1280, "height": 800, "mode": "RGB"}
    canonical_json(meta)


@needs_xvfb
@pytest.mark.xvfb
def test_capture_region(x_display: str, tmp_path: Path) -> None:
    out = tmp_path / "region.png"
    x, y, w, h = WIN
    result = capture(x_display, {"kind": "region", "region": [x - 10, y - 10, w + 20, h + 20]}, out)
    assert "error" not in result, result
    im = _png(out)
    assert im.size == (w + 20, h + 20)
    _check_window_pixels(im, 10, 10)
    assert im.getpixel((0, 0)) == BLACK
    assert result["metadata"]["crop_px"] == [x - 10, y - 10, w + 20, h + 20]  # type: ignore[index]


@needs_xvfb
@pytest.mark.requires_tools("xdotool")
@pytest.mark.xvfb
def test_capture_window_by_title(x_display: str, tmp_path: Path) -> None:
    out = tmp_path / "window.png"
    result = capture(x_display, {"kind": "window", "title": "증거 창"}, out)
    assert "error" not in result, result
    im = _png(out)
    assert im.size == (WIN[2], WIN[3])
    _check_window_pixels(im, 0, 0)
    window = result["metadata"]["window"]  # type: ignore[index]
    assert window["title"] == TITLE
    assert window["geometry"] == list(WIN)


@needs_xvfb
@pytest.mark.xvfb
def test_capture_one_screen_and_bad_screen(x_display: str, tmp_path: Path) -> None:
    out = tmp_path / "s0.png"
    result = capture(x_display, {"kind": "screen", "screen": 0}, out)
    assert "error" not in result, result
    _check_window_pixels(_png(out), WIN[0], WIN[1])
    bad = capture(x_display, {"kind": "screen", "screen": 3}, tmp_path / "s3.png")
    assert bad == {"error": "InputError", "key": "capture.screen.no_such_screen"}


@needs_xvfb
@pytest.mark.requires_tools("xdotool")
@pytest.mark.xvfb
def test_window_not_found(x_display: str, tmp_path: Path) -> None:
    spec = {"kind": "window", "title": "no such window [x]"}
    result = capture(x_display, spec, tmp_path / "w.png")
    assert result == {"error": "CaptureError", "key": "capture.screen.window_not_found"}


@needs_xvfb
@pytest.mark.xvfb
def test_black_screen_without_portal_is_refused(tmp_path: Path) -> None:
    """A real all-black grab (an empty Xvfb screen, as Wayland gives) with no desktop
    portal on the (absent) session bus: a clear error, no image. In a Wayland session the
    message names Wayland; in an X11 session the screen itself was black."""
    with xvfb(640, 480) as display:
        result = capture(display, {"kind": "all"}, tmp_path / "black.png", session="wayland")
        x11 = capture(display, {"kind": "all"}, tmp_path / "black.png")
    assert result == {"error": "CaptureError", "key": "capture.screen.black_no_portal"}
    assert x11 == {"error": "CaptureError", "key": "capture.screen.black_x11"}
    assert not (tmp_path / "black.png").exists()


def test_no_display_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                           "QT_QPA_PLATFORM")}
    code = (
        "from evidencekit.capture.screen import grab, ScreenTarget\n"
        "from evidencekit.errors import CaptureError\n"
        "try:\n    grab(ScreenTarget.all_screens())\n"
        "except CaptureError as e:\n    print(e.key)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert done.stdout.strip() == "capture.screen.no_display", done.stderr


# --- logic with a fake backend ----------------------------------------------------------


def _desktop() -> Image.Image:
    im = Image.new("RGB", (200, 100), (10, 20, 30))
    im.paste(RED, (20, 10, 60, 40))
    return im


def test_black_grab_and_no_portal_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), Image.new("RGB", (200, 100)))])
    monkeypatch.setattr(screen_mod, "_qt_backend", lambda: fake)
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    with pytest.raises(CaptureError) as info:
        grab(ScreenTarget.all_screens())
    assert info.value.key == "capture.screen.black_no_portal"
    assert "portal" in fake.events
    assert "Wayland" in info.value.message("en")


def test_black_x11_grab_is_not_blamed_on_wayland(monkeypatch: pytest.MonkeyPatch) -> None:
    """On X11 a fully black grab means the screen was black (off, locked, screen saver)."""
    monkeypatch.setenv("XDG_SESSION_TYPE", "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    for target in (ScreenTarget.all_screens(), ScreenTarget.one_screen(0)):
        fake = FakeBackend([(screen(0, 0, 0, 200, 100), Image.new("RGB", (200, 100)))])
        with pytest.raises(CaptureError) as info:
            grab(target, backend=fake)
        assert info.value.key == "capture.screen.black_x11"
        for lang in ("en", "ko"):
            assert "Wayland" not in info.value.message(lang)


def test_black_grab_uses_the_portal(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.BytesIO()
    _desktop().save(buf, "PNG")
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), Image.new("RGB", (200, 100)))], buf.getvalue())
    shot = grab(ScreenTarget.all_screens(), backend=fake)
    assert shot.metadata["capture_method"] == "portal"
    assert shot.png == buf.getvalue()  # the portal's PNG, unchanged
    region = grab(ScreenTarget.rect(20, 10, 40, 30), backend=fake)
    with Image.open(io.BytesIO(region.png)) as im:
        assert im.convert("RGB").getcolors() == [(40 * 30, RED)]


def test_black_window_grab_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_SESSION_TYPE", "wayland")
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), Image.new("RGB", (200, 100)))])
    with pytest.raises(CaptureError) as info:
        grab(ScreenTarget.one_screen(0), backend=fake)
    assert info.value.key == "capture.screen.black_target"


def test_hide_and_restore_around_the_grab() -> None:
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), _desktop())])
    order: list[str] = []

    def hide() -> object:
        order.append("hide")
        fake.events.append("hidden")
        return lambda: fake.events.append("restored")

    shot = grab(ScreenTarget.all_screens(), delay=0.5, hide=hide, backend=fake)  # type: ignore[arg-type]
    assert fake.events == ["ready", "hidden", "wait 0.5", "grab 0", "restored"]
    assert shot.metadata["hidden_own_windows"] is True and shot.metadata["delay_s"] == 0.5


def test_restore_runs_even_when_the_grab_fails() -> None:
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), Image.new("RGB", (200, 100)))])
    restored: list[bool] = []
    with pytest.raises(CaptureError):
        grab(ScreenTarget.all_screens(), hide=lambda: (lambda: restored.append(True)), backend=fake)
    assert restored == [True]


def test_compose_two_screens() -> None:
    left = Image.new("RGB", (100, 80), RED)
    right = Image.new("RGB", (60, 50), BLUE)
    fake = FakeBackend([(screen(0, 0, 0, 100, 80), left), (screen(1, 100, 0, 60, 50), right)])
    shot = grab(ScreenTarget.all_screens(), backend=fake)
    with Image.open(io.BytesIO(shot.png)) as opened:
        im = opened.convert("RGB")
        assert im.size == (160, 80)
        assert im.getpixel((50, 40)) == RED and im.getpixel((130, 25)) == BLUE
        assert im.getpixel((130, 70)) == BLACK  # outside every screen
    assert len(shot.metadata["screens"]) == 2
    one = grab(ScreenTarget.one_screen(1), backend=fake)
    assert (one.width, one.height) == (60, 50)


def test_compose_mixed_pixel_ratios() -> None:
    hi = Image.new("RGB", (200, 160), RED)  # 100x80 logical at 2x
    lo = Image.new("RGB", (50, 40), BLUE)  # 50x40 logical at 1x
    raws = [screen_mod.RawScreen(screen(0, 0, 0, 100, 80, 2.0), hi),
            screen_mod.RawScreen(screen(1, 100, 0, 50, 40, 1.0), lo)]
    canvas, scale, rescaled = compose(raws)
    assert scale == 2.0 and rescaled
    assert canvas.size == (300, 160)
    assert canvas.getpixel((250, 40)) == BLUE


def test_region_checks() -> None:
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), _desktop())])
    with pytest.raises(InputError) as info:
        grab(ScreenTarget.rect(500, 500, 10, 10), backend=fake)
    assert info.value.key == "capture.screen.region_outside"
    clipped = grab(ScreenTarget.rect(190, 90, 50, 50), backend=fake)
    assert (clipped.width, clipped.height) == (10, 10)
    assert clipped.metadata["crop_clipped"] is True
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,10", "1,2,3,4,5"):
        with pytest.raises(InputError):
            ScreenTarget.parse_region(bad).validate()
    assert ScreenTarget.parse_region(" 1, 2 ,30,40").region == (1, 2, 30, 40)
    with pytest.raises(InputError):
        grab(ScreenTarget.all_screens(), delay=-1, backend=fake)


def test_window_by_title_needs_x11() -> None:
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), _desktop())], system="wayland")
    with pytest.raises(CaptureError) as info:
        grab(ScreenTarget.window("anything"), backend=fake)
    assert info.value.key == "capture.screen.window_unsupported"


def test_screenshot_item() -> None:
    fake = FakeBackend([(screen(0, 0, 0, 200, 100), _desktop())])
    shot = grab(ScreenTarget.rect(20, 10, 40, 30), backend=fake)
    item = screenshot_item(shot, title="텔레그램 방", note="오후 9시 캡처")
    assert item.kind == ItemKind.SCREENSHOT
    assert item.title == "텔레그램 방" and item.notes == ["오후 9시 캡처"]
    assert item.source == "region 20,10,40,30"
    part = item.parts[0]
    assert (part.name, part.media_type, part.data) == ("screenshot.png", "image/png", shot.png)
    assert item.captured_at == shot.captured_at
    assert item.metadata["target"] == {"kind": "region", "region": [20, 10, 40, 30]}
    canonical_json(item.metadata)
    default = screenshot_item(shot)
    assert default.title.startswith("Screenshot ") or default.title.startswith("스크린샷 ")


# --- the PNG encoder --------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "size"), [("RGB", (1, 1)), ("RGB", (333, 257)),
                                            ("RGBA", (64, 300)), ("RGB", (1920, 7))])
def test_encode_png_is_lossless(mode: str, size: tuple[int, int]) -> None:
    rng = random.Random(7)
    count = size[0] * size[1] * len(mode)
    im = Image.frombytes(mode, size, bytes(rng.randrange(256) for _ in range(count)))
    data = encode_png(im)
    with Image.open(io.BytesIO(data)) as check:
        check.verify()  # chunk CRCs
    with Image.open(io.BytesIO(data)) as back:
        back.load()
        assert back.mode == mode and back.size == size
        assert back.tobytes() == im.tobytes()


def test_encode_png_other_modes() -> None:
    im = Image.new("L", (10, 10), 128)
    with Image.open(io.BytesIO(encode_png(im))) as back:
        assert back.convert("RGB").getpixel((3, 3)) == (128, 128, 128)


def test_is_black() -> None:
    assert is_black(Image.new("RGB", (50, 50)))
    assert is_black(Image.new("RGBA", (50, 50), (0, 0, 0, 255)))
    im = Image.new("RGB", (50, 50))
    im.putpixel((49, 49), (0, 0, 1))
    assert not is_black(im)


# --- the XDG desktop portal (a fake one on a private session bus) -----------------------

needs_dbus = pytest.mark.requires_tools("Xvfb", "dbus-daemon")


@needs_dbus
@pytest.mark.xvfb
def test_black_grab_falls_back_to_the_portal(tmp_path: Path) -> None:
    from tests.support.capture_portal import fake_portal, session_bus

    portal_file = tmp_path / "Screenshot from the portal.png"
    Image.new("RGB", (640, 480), (0, 200, 0)).save(portal_file)
    out = tmp_path / "shot.png"
    with xvfb(640, 480) as display, session_bus() as bus:
        with fake_portal(bus, portal_file.as_uri()):
            result = capture(display, {"kind": "all"}, out, bus=bus)
    assert "error" not in result, result
    meta = result["metadata"]
    assert meta["capture_method"] == "portal" and meta["qt_grab_black"] is True  # type: ignore[index]
    assert _png(out).getcolors() == [(640 * 480, (0, 200, 0))]
    assert not portal_file.exists()  # the portal's plaintext copy is removed


@needs_dbus
@pytest.mark.xvfb
def test_portal_cancelled_by_the_user(tmp_path: Path) -> None:
    from tests.support.capture_portal import fake_portal, session_bus

    with xvfb(640, 480) as display, session_bus() as bus:
        with fake_portal(bus, "", code=1):
            result = capture(display, {"kind": "all"}, tmp_path / "x.png", bus=bus)
    assert result == {"error": "CaptureError", "key": "capture.portal.cancelled"}


@needs_dbus
@pytest.mark.xvfb
def test_session_bus_without_portal(tmp_path: Path) -> None:
    from tests.support.capture_portal import session_bus

    with xvfb(640, 480) as display, session_bus() as bus:
        result = capture(display, {"kind": "all"}, tmp_path / "x.png", bus=bus,
                         session="wayland")
    assert result == {"error": "CaptureError", "key": "capture.screen.black_no_portal"}


# --- end to end: a real capture into the vault, then its check --------------------------


@needs_xvfb
@pytest.mark.xvfb
def test_capture_into_the_vault_and_check(x_display: str, tmp_path: Path, vault_dir: Path) -> None:
    import json

    from evidencekit.capture.screen import Screenshot
    from evidencekit.vault.check import check_vault
    from tests.support.vault_util import open_vault

    out = tmp_path / "all.png"
    result = capture(x_display, {"kind": "region", "region": list(WIN)}, out)
    assert "error" not in result, result
    meta = json.loads(json.dumps(result["metadata"]))
    shot = Screenshot(out.read_bytes(), meta, WIN[2], WIN[3])
    item = screenshot_item(shot, title="증거 창", note="테스트")
    with open_vault(vault_dir) as vault:
        stored = vault.add_item(item)
        assert check_vault(vault).ok
        png = vault.read_part_bytes(vault.item(stored.number))
    assert png == out.read_bytes()
    with Image.open(io.BytesIO(png)) as im:
        _check_window_pixels(im.convert("RGB"), 0, 0)
    assert stored.kind == "screenshot" and stored.parts[0].media_type == "image/png"
