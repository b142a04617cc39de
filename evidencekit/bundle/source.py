"""What the bundle exporter needs from a vault, as a Protocol.

:class:`evidencekit.vault.Vault` implements it; tests may implement it with fakes.
"""

from __future__ import annotations

from typing import Any, BinaryIO, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from evidencekit.model import Event, Item, Progress

__all__ = ["BundleSource"]


class BundleSource(Protocol):
    @property
    def vault_id(self) -> str: ...

    def identity(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """The vault's signing key and its self-signed certificate."""
        ...

    def items(self, include_deleted: bool = False) -> list[Item]: ...

    def item(self, number: int) -> Item: ...

    def read_part(
        self, item: Item, index: int, out: BinaryIO, progress: Progress | None = None
    ) -> None:
        """Write the original bytes of ``item.parts[index]`` to ``out``.

        The bytes are re-hashed while streaming; on a mismatch an
        :class:`~evidencekit.errors.IntegrityError` is raised at the end, so a caller must
        discard what was written if it raises.
        """
        ...

    def events(self) -> list[Event]:
        """The whole custody log, in order (every event has seq, prev_hash, hash, body)."""
        ...

    def log_head(self) -> dict[str, Any]:
        """``{"seq": int, "hash": hex, "signature": base64 DER ECDSA}`` (see vault.custody)."""
        ...

    def log_event(self, event: str, item: Item | None = None, **details: Any) -> Event:
        """Append an event (e.g. ``exported`` with the bundle's SHA-256)."""
        ...

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A per-vault setting (e.g. ``"tsa_urls"``)."""
        ...
