"""A process that re-keys a vault (for the kill -9 test): opens it with the passphrase in
argv[2], prints READY, then re-keys with the passphrase in argv[3]."""

from __future__ import annotations

import sys
from pathlib import Path

from evidencekit.vault import Vault
from evidencekit.vault.rekey import rekey


def main() -> None:
    vault = Vault.open(Path(sys.argv[1]), passphrase=sys.argv[2])
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    rekey(vault, sys.argv[3])
    sys.stdout.write("DONE\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
