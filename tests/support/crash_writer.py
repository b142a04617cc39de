"""A writer process for the crash-safety test: adds items forever, printing each committed
item as ``COMMITTED <number> <sha256>`` (after the commit returns)."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from evidencekit.model import NewItem, PartInput
from evidencekit.vault import Vault


def main() -> None:
    path = Path(sys.argv[1])
    seed = int(sys.argv[2])
    rng = random.Random(seed)
    vault = Vault.open(path, passphrase=os.environ["EVIDENCEKIT_PASSPHRASE"])
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    while True:
        size = rng.choice([0, 1, 100, 70_000, 1_100_000, 2_500_000])
        data = rng.randbytes(size)
        parts = [PartInput(name="original.bin", media_type="application/octet-stream", data=data)]
        if rng.random() < 0.3:
            parts.append(PartInput(name="extra.bin", media_type="application/octet-stream",
                                   data=rng.randbytes(rng.randint(0, 300_000))))
        item = vault.add_item(NewItem(kind="file", title="t", source="s", parts=parts))
        sys.stdout.write(f"COMMITTED {item.number} {item.sha256}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
