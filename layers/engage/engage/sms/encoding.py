"""How an SMS body travels: in GSM-7 when every character is in the GSM 03.38 alphabet (its
extension characters take two septets), otherwise in UCS-2 (UTF-16 code units, so an emoji takes
two), and in how many parts a carrier delivers (and bills) it: 160 septets or 70 units in one part,
153 or 67 per part once it has to be split, never splitting an escape sequence or a surrogate pair.

Hand-written rather than a library: the alphabet is a fixed, short table, and the Python packages
that implement it as a codec are unmaintained."""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")  # escaped: two septets each
SINGLE_PART = {"GSM-7": 160, "UCS-2": 70}
PER_PART = {"GSM-7": 153, "UCS-2": 67}  # what is left of a part once the concatenation header is in


@dataclass(frozen=True)
class Encoding:
    name: str  # GSM-7 or UCS-2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def encoding(text: str) -> Encoding:
    """The encoding `text` is sent in and the parts it takes (0 for an empty text)."""
    if is_gsm7(text):
        name, widths = "GSM-7", [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        name, widths = "UCS-2", [2 if ord(c) > 0xFFFF else 1 for c in text]
    units = sum(widths)
    if units <= SINGLE_PART[name]:
        return Encoding(name, units, 1 if units else 0)
    parts, room = 1, PER_PART[name]
    for width in widths:
        if width > room:  # an escape sequence or a surrogate pair is never split across parts
            parts, room = parts + 1, PER_PART[name]
        room -= width
    return Encoding(name, units, parts)
