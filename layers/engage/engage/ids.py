"""Name-based ids: the text of `uuid.uuid5(namespace, name)` without making the UUID object, for the
event ids derived once per record on the stream's hot paths."""

from __future__ import annotations

import hashlib
import uuid


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, at about twice its speed (RFC 4122 section 4.3: SHA-1 of
    the namespace and the name, its version set to 5 and its variant to RFC 4122's)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
