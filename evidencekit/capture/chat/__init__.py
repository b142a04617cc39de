"""Chat exports (Telegram Desktop JSON and HTML, KakaoTalk, LINE) as evidence: detected by
content, stored byte for byte as one item, understood message by message."""
