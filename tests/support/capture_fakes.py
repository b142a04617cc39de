"""Test support for screenshots without a display: a fake screen backend."""

from __future__ import annotations

from PIL import Image

from evidencekit.capture.screen import RawScreen, ScreenInfo
from evidencekit.errors import CaptureError


class FakeBackend:
    """Screens given as Pillow images; the portal returns ``portal_png`` or fails."""

    def __init__(
        self,
        images: list[tuple[ScreenInfo, Image.Image]],
        portal_png: bytes | None = None,
        system: str = "xcb",
    ) -> None:
        self.images = images
        self.portal_png = portal_png
        self.system = system
        self.events: list[str] = []

    def ensure_ready(self) -> None:
        self.events.append("ready")

    def platform_name(self) -> str:
        return self.system

    def toolkit_version(self) -> str:
        return "fake"

    def screens(self) -> list[ScreenInfo]:
        return [info for info, _ in self.images]

    def grab_screen(self, index: int) -> RawScreen:
        self.events.append(f"grab {index}")
        info, image = self.images[index]
        return RawScreen(info, image.copy())

    def wait(self, seconds: float) -> None:
        self.events.append(f"wait {seconds}")

    def portal_screenshot(self) -> bytes:
        self.events.append("portal")
        if self.portal_png is None:
            raise CaptureError("capture.portal.unavailable", reason="ServiceUnknown")
        return self.portal_png


def screen(index: int, x: int, y: int, w: int, h: int, dpr: float = 1.0) -> ScreenInfo:
    return ScreenInfo(index, f"FAKE-{index}", x, y, w, h, dpr)
