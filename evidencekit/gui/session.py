"""An unlocked vault as the GUI holds it: the open :class:`Vault`, the item list, and the
decrypted pictures (blurred by default, clear only for items the user revealed).

:meth:`VaultSession.lock` is the one place that forgets everything decrypted: it cancels
running jobs, drops every picture and revealed state, clears the clipboard when it holds
something copied from the program or an image taken in as evidence, and closes the vault
(releasing the writer lock). It is fast (no waiting), as quick exit needs.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmapCache

from evidencekit.errors import EvidenceKitError, InputError
from evidencekit.gui.thumbnails import Pictures, make_pictures, picture_part
from evidencekit.gui.workers import JobHost
from evidencekit.model import Event, Item
from evidencekit.vault import Vault

__all__ = ["VaultSession", "waiting_for_timestamp"]

log = logging.getLogger(__name__)


def waiting_for_timestamp(items: list[Item]) -> list[Item]:
    """Active items with at least one part that has no trusted timestamp yet."""
    return [i for i in items if i.state == "active" and i.parts and
            any(p.timestamp is None for p in i.parts)]


def image_digest(image: QImage) -> str:
    """A hash of an image's pixels (to recognise it on the clipboard later)."""
    img = image.convertToFormat(QImage.Format.Format_RGBA8888)
    bits = img.constBits()
    return hashlib.sha256(bytes(bits)[: img.sizeInBytes()]).hexdigest()


class VaultSession(QObject):
    """The open vault and what the GUI decrypted from it."""

    items_changed = Signal()
    pictures_changed = Signal(int)  # item number
    locked = Signal()

    def __init__(self, vault: Vault, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = vault
        self.folder = vault.folder
        self.jobs = JobHost(self)
        self.picture_jobs = JobHost(self, threads=1)
        self._items: list[Item] = []
        self._pictures: dict[int, Pictures | None] = {}
        self._loading: set[int] = set()
        self.revealed: set[int] = set()
        self._generation = 0
        self._evidence_clip: set[str] = set()
        self._events: tuple[str, list[Event]] | None = None  # (log head hash, all events)
        self.fingerprint = vault.fingerprint
        self.holder = vault.holder
        self.refresh()

    # -- the vault -------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self._vault is not None

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            raise InputError("gui.error.locked")
        return self._vault

    def replace_vault(self, vault: Vault) -> None:
        """Take a reopened vault (after its keys were replaced) in place of the old one,
        which is closed."""
        old, self._vault = self._vault, vault
        if old is not None and old is not vault:
            try:
                old.close()
            except Exception as exc:  # noqa: BLE001 - the old object is already finished
                log.debug("closing the replaced vault: %s", type(exc).__name__)
        self.wipe()
        self.refresh()

    def refresh(self) -> None:
        """Reload the item list from the vault and tell the views."""
        if self._vault is None:
            return
        self._items = self._vault.items()
        numbers = {i.number for i in self._items}
        for n in list(self._pictures):
            if n not in numbers:
                self._pictures.pop(n, None)
        self.revealed &= numbers
        self.items_changed.emit()

    def items(self) -> list[Item]:
        return list(self._items)

    def item(self, number: int) -> Item | None:
        for item in self._items:
            if item.number == number:
                return item
        return None

    def replace_item(self, item: Item) -> None:
        """Take an edited item (note, tags, title) without reloading everything."""
        for i, old in enumerate(self._items):
            if old.number == item.number:
                self._items[i] = item
        self.items_changed.emit()

    def stored_tsa_urls(self) -> list[str]:
        """The vault's own time-stamp authority list ([] if none, locked or unreadable)."""
        if self._vault is None:
            return []
        try:
            stored = self._vault.get_setting("tsa_urls")
        except Exception:  # noqa: BLE001 - a damaged setting must not stop timestamping
            return []
        return list(stored) if stored else []

    def events_for(self, item: Item) -> list[Event]:
        """The custody events of one item (the log is decrypted again only when it grew)."""
        vault = self.vault
        try:
            head = str(vault.log_head()["hash"])
        except EvidenceKitError:
            return [e for e in vault.events() if e.item_id == item.id]
        if self._events is None or self._events[0] != head:
            self._events = (head, vault.events())
        return [e for e in self._events[1] if e.item_id == item.id]

    # -- pictures --------------------------------------------------------------------

    def pictures(self, number: int) -> Pictures | None:
        """The item's pictures if made; otherwise start making them and return None."""
        if number in self._pictures:
            pics = self._pictures[number]
            if pics is not None and number in self.revealed and pics.sharp_thumb is None:
                self._load(number, sharp=True)
            return pics
        self._load(number, sharp=number in self.revealed)
        return None

    def has_picture(self, item: Item) -> bool:
        return picture_part(item) is not None

    def _load(self, number: int, sharp: bool) -> None:
        if self._vault is None or number in self._loading:
            return
        item = self.item(number)
        if item is None:
            return
        index = picture_part(item)
        if index is None:
            self._pictures[number] = None
            return
        vault = self._vault
        generation = self._generation
        self._loading.add(number)

        def work(_progress: Callable[[int, int, str], None], cancel: Any) -> Pictures | None:
            if cancel.is_set():
                return None
            data = vault.read_part_bytes(item, index)
            try:
                return make_pictures(data, sharp)
            finally:
                del data

        def done(pics: object) -> None:
            if generation != self._generation:
                return
            self._loading.discard(number)
            if isinstance(pics, Pictures) or pics is None:
                self._pictures[number] = pics
            self.pictures_changed.emit(number)

        def failed(exc: EvidenceKitError) -> None:
            if generation != self._generation:
                return
            self._loading.discard(number)
            log.info("picture of item %d not made: %s", number, exc.key)
            self._pictures[number] = None
            self.pictures_changed.emit(number)

        self.picture_jobs.start(work, name="pictures", on_done=done, on_error=failed)

    def reveal(self, number: int, on: bool = True) -> None:
        """Show one item's pictures clearly (``on``) or blur them again."""
        if on:
            self.revealed.add(number)
            pics = self._pictures.get(number)
            if pics is None or pics.sharp_thumb is None:
                self._load(number, sharp=True)
        else:
            self.revealed.discard(number)
            pics = self._pictures.get(number)
            if pics is not None:
                pics.sharp_thumb = pics.sharp_preview = None
        self.pictures_changed.emit(number)

    def picture_count(self) -> int:
        """How many decrypted pictures the session holds (for tests)."""
        return sum(1 for p in self._pictures.values() if p is not None)

    # -- clipboard -------------------------------------------------------------------

    def remember_clipboard_image(self, image: QImage) -> None:
        """Note that this image (taken from the clipboard) is now evidence."""
        self._evidence_clip.add(image_digest(image))

    def _clear_clipboard(self) -> None:
        app = QGuiApplication.instance()
        if app is None:
            return
        clip = QGuiApplication.clipboard()
        try:
            owned = clip.ownsClipboard()
            mime = clip.mimeData()
            evidence = False
            if self._evidence_clip and mime is not None and mime.hasImage():
                image = clip.image()
                evidence = not image.isNull() and image_digest(image) in self._evidence_clip
            if owned or evidence:
                clip.clear()
        except RuntimeError:
            log.debug("clipboard not available")
        self._evidence_clip.clear()

    # -- locking ---------------------------------------------------------------------

    def wipe(self) -> None:
        """Forget every decrypted picture and revealed state (the vault stays open)."""
        self._generation += 1
        self._events = None
        self._pictures.clear()
        self._loading.clear()
        self.revealed.clear()
        QPixmapCache.clear()

    def lock(self) -> None:
        """Cancel jobs, wipe what was decrypted, clear the clipboard, close the vault."""
        if self._vault is None:
            return
        self.jobs.cancel_all()
        self.picture_jobs.cancel_all()
        self.wipe()
        self._items = []
        self._clear_clipboard()
        vault, self._vault = self._vault, None
        try:
            vault.close()
        except Exception as exc:  # noqa: BLE001 - locking must always finish
            log.warning("closing the vault: %s", type(exc).__name__)
        log.info("vault locked")
        self.items_changed.emit()
        self.locked.emit()
