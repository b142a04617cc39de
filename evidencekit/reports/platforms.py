"""The platform a URL belongs to, named as Korean counsellors name it."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["platform_of"]

# host suffix -> name (most specific first is not needed: suffixes do not overlap)
_PLATFORMS = {
    "t.me": "텔레그램(Telegram)",
    "telegram.me": "텔레그램(Telegram)",
    "telegram.org": "텔레그램(Telegram)",
    "x.com": "X(트위터)",
    "twitter.com": "X(트위터)",
    "instagram.com": "인스타그램(Instagram)",
    "facebook.com": "페이스북(Facebook)",
    "fb.com": "페이스북(Facebook)",
    "threads.net": "스레드(Threads)",
    "youtube.com": "유튜브(YouTube)",
    "youtu.be": "유튜브(YouTube)",
    "tiktok.com": "틱톡(TikTok)",
    "open.kakao.com": "카카오톡 오픈채팅",
    "kakao.com": "카카오",
    "naver.com": "네이버",
    "daum.net": "다음",
    "dcinside.com": "디시인사이드",
    "discord.com": "디스코드(Discord)",
    "discord.gg": "디스코드(Discord)",
    "reddit.com": "레딧(Reddit)",
    "tumblr.com": "텀블러(Tumblr)",
    "line.me": "라인(LINE)",
}


def platform_of(url: str) -> str:
    """``텔레그램(Telegram)`` for ``https://t.me/…``; otherwise the host name."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    host = host.removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    for suffix, name in _PLATFORMS.items():
        if host == suffix or host.endswith("." + suffix):
            return name
    return host
