"""The preparer's declaration, the export time zone and the program's build identifier.

:class:`Declaration` holds what the preparer states on the 확인서 (name, role,
organisation, contact, case number, recipient); empty fields are printed as blank lines
to fill in by hand, never guessed. :func:`resolve_zone` picks the zone every time in the
bundle is printed in. :func:`build_id` names the exact program that computed the hashes:
the git commit when running from a checkout (read from ``.git`` without running git), the
SHA-256 of the executable in a frozen build, else ``release``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evidencekit.errors import InputError
from evidencekit.model import Item, local_zone_name

__all__ = ["Declaration", "KOREA", "resolve_zone", "build_id", "declaration_fields", "has_location",
           "location_items"]

log = logging.getLogger(__name__)

KOREA = "Asia/Seoul"
_MAX_FIELD = 200
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Declaration:
    """What the preparer fills in for the statement (확인서); every field may be empty."""

    case_number: str = ""
    recipient: str = ""
    role: str = ""
    organisation: str = ""
    contact: str = ""

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if len(value) > _MAX_FIELD or any(ord(c) < 32 for c in value):
                raise InputError("court.bad_field", field=name.replace("_", "-"))

    def public(self) -> dict[str, str]:
        return {k: v.strip() for k, v in asdict(self).items()}


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def resolve_zone(requested: str | None, lang: str, items: Sequence[Item]) -> ZoneInfo:
    """The zone the bundle prints times in.

    ``requested`` (an IANA name such as ``Asia/Seoul``) wins; else Korea when the bundle is
    in Korean (``ko`` or ``both``) or most items were captured in Korea; else the zone most
    items were captured in, the computer's zone, or UTC. Raises :class:`InputError` for an
    unknown ``requested`` zone.
    """
    if requested:
        zone = _zone(requested.strip())
        if zone is None:
            raise InputError("court.bad_zone", zone=requested)
        return zone
    zones = Counter(i.timezone for i in items if i.timezone)
    common = zones.most_common(1)[0][0] if zones else ""
    if lang in ("ko", "both") or common == KOREA:
        return ZoneInfo(KOREA)
    for name in (common, local_zone_name()):
        if name and name not in ("UTC", "Etc/UTC") and (zone := _zone(name)) is not None:
            return zone
    return ZoneInfo("UTC")


def _git_commit(root: Path) -> str | None:
    """The commit checked out at ``root`` (a checkout or a git worktree), read from files."""
    git = root / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: /path/to/main/.git/worktrees/name"
            text = git.read_text(encoding="utf-8").strip()
            if not text.startswith("gitdir:"):
                return None
            git = (root / text.split(":", 1)[1].strip()).resolve()
        if not git.is_dir():
            return None
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if _COMMIT.match(head):
            return head
        if not head.startswith("ref:"):
            return None
        ref = head.split(":", 1)[1].strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text(encoding="utf-8").strip()).resolve()
        for base in (git, common):
            if (base / ref).is_file():
                value = (base / ref).read_text(encoding="utf-8").strip()
                return value if _COMMIT.match(value) else None
        packed = common / "packed-refs"
        if packed.is_file():
            for line in packed.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref and _COMMIT.match(parts[0]):
                    return parts[0]
    except OSError:
        log.debug("git metadata unreadable")
    return None


@lru_cache(maxsize=1)
def build_id() -> str:
    """``git 1a2b3c4d5e6f`` (a checkout), ``exe-sha256 …`` (a frozen build) or ``release``."""
    if getattr(sys, "frozen", False):
        h = hashlib.sha256()
        try:
            with open(sys.executable, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            return f"exe-sha256 {h.hexdigest()[:16]}"
        except OSError:
            return "frozen"
    commit = _git_commit(Path(__file__).resolve().parents[2])
    return f"git {commit[:12]}" if commit else "release"


def declaration_fields(decl: Declaration | None) -> dict[str, Any]:
    """The declaration as manifest fields (all keys present, empty strings kept)."""
    return (decl or Declaration()).public()


def has_location(item: Item) -> bool:
    """Whether the item's metadata records a GPS position (a phone photo, usually)."""
    meta = item.metadata if isinstance(item.metadata, dict) else {}
    image = meta.get("image")
    return isinstance(image, dict) and bool(image.get("gps") or image.get("gps_position"))


def location_items(items: Sequence[Item]) -> list[int]:
    """Numbers of the items whose metadata (and so whose original file) holds a GPS
    position."""
    return [i.number for i in items if i.state != "deleted" and has_location(i)]
