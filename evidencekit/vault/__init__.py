"""The encrypted evidence vault (format v1, see docs/vault-format.md)."""

from evidencekit.vault.store import Vault

__all__ = ["Vault"]
