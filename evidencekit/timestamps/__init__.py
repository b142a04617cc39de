"""Trusted time: RFC 3161 client, token verification, the per-vault offline queue."""
