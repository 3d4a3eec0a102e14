"""What an inbound SMS asks for, read as the FCC's consent-revocation rule (in force since
2025-04-11) requires: a reply that uses a revocation word anywhere, as a whole word ("please stop
texting me"), revokes consent, and a word that merely contains one ("See you this WEEKEND") does
not; AWS End User Messaging's required opt-out keywords count when the message begins with them, as
AWS reads keywords ("TD" opts out, "I bank at TD" does not); configured probable-revocation phrases
revoke too (and go to an audit queue, since a person should confirm the reading); opt-in and help
keywords count only as the whole trimmed message.
Lists are per language, matched case-insensitively, and every language's list applies to every
message (a customer may answer in any of them)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from engage.envelopes import json_object
from engage.errors import ValidationError


class Intent(StrEnum):
    OPT_OUT = "OPT_OUT"
    PROBABLE_OPT_OUT = "PROBABLE_OPT_OUT"  # revokes at once, and is queued for a person to audit
    OPT_IN = "OPT_IN"
    HELP = "HELP"
    OTHER = "OTHER"  # for the conversation handler


# The FCC's named revocation words (47 CFR 64.1200(a)(10)), and the usual equivalents elsewhere.
DEFAULT_KEYWORDS: dict[str, dict[str, list[str]]] = {
    "en": {
        "opt_out": ["stop", "stopall", "quit", "end", "revoke", "opt out", "optout", "cancel", "unsubscribe"],
        "probable_opt_out": [
            "leave me alone",
            "do not text",
            "don't text",
            "dont text",
            "remove me",
            "take me off",
            "no more texts",
            "wrong number",
        ],
        "opt_in": ["start", "unstop", "yes", "subscribe"],
        "help": ["help", "info"],
    },
    "es": {
        "opt_out": ["parar", "alto", "cancelar", "baja", "detener"],
        "probable_opt_out": ["no me escriban", "no me envíen", "número equivocado"],
        "opt_in": ["comenzar", "alta", "sí"],
        "help": ["ayuda"],
    },
}
LIST_NAMES = ("opt_out", "probable_opt_out", "opt_in", "help")
# AWS End User Messaging's required opt-out keywords, matched when a message begins with one
# (https://docs.aws.amazon.com/sms-voice/latest/userguide/opt-out-list-keywords.html): with
# self-managed opt-outs the sender must honour them itself.
AWS_OPT_OUT = ("arret", "cancel", "end", "opt-out", "optout", "quit", "remove", "stop", "td", "unsubscribe")
_LEADING = re.compile(r"^(?:" + "|".join(re.escape(w) for w in AWS_OPT_OUT) + r")(?!\w)")


def _fold(text: str) -> str:
    """Case- and width-insensitive form (NFKC, casefold) with runs of whitespace made one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _phrase_pattern(phrase: str) -> str:
    """A phrase as whole words: its words separated by any whitespace, hyphens or nothing where
    the phrase has a space ("opt out", "opt-out", "optout"), bounded by non-word characters."""
    words = [re.escape(w) for w in _fold(phrase).split(" ")]
    return r"(?<!\w)" + r"[\s\-]*".join(words) + r"(?!\w)"


@dataclass(frozen=True)
class Keywords:
    opt_out: tuple[str, ...]
    probable_opt_out: tuple[str, ...]
    opt_in: frozenset[str]
    help: frozenset[str]
    _opt_out: re.Pattern[str] = field(repr=False, compare=False)
    _probable: re.Pattern[str] | None = field(repr=False, compare=False)

    def classify(self, message: str) -> Intent:
        folded = _fold(message)
        whole = folded.strip(" .!?¡¿,;:'\"")
        if self._opt_out.search(folded) or _LEADING.match(folded.lstrip(" .!?¡¿,;:'\"")):
            return Intent.OPT_OUT
        if self._probable and self._probable.search(folded):
            return Intent.PROBABLE_OPT_OUT
        if whole in self.opt_in:
            return Intent.OPT_IN
        if whole in self.help:
            return Intent.HELP
        return Intent.OTHER


def keywords(lists: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> Keywords:
    """The classifier for per-language lists ({"en": {"opt_out": [...], ...}, ...}); the defaults
    when none are given. A configuration that drops a revocation word the rule names is refused."""
    chosen = DEFAULT_KEYWORDS if lists is None else lists
    merged: dict[str, list[str]] = {name: [] for name in LIST_NAMES}
    for language, by_list in chosen.items():
        unknown = set(by_list) - set(LIST_NAMES)
        if unknown:
            raise ValidationError("keywords", f"{language}: unknown list(s) {', '.join(sorted(unknown))}")
        for name in LIST_NAMES:
            merged[name].extend(_fold(k) for k in by_list.get(name, []) if k and k.strip())
    missing = {"stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe"} - set(merged["opt_out"])
    if missing:
        raise ValidationError(
            "keywords", f"opt_out must keep the FCC's revocation words: {', '.join(sorted(missing))}"
        )
    opt_out = tuple(dict.fromkeys(merged["opt_out"]))
    probable = tuple(dict.fromkeys(merged["probable_opt_out"]))
    return Keywords(
        opt_out,
        probable,
        frozenset(merged["opt_in"]),
        frozenset(merged["help"]),
        re.compile("|".join(_phrase_pattern(k) for k in opt_out)),
        re.compile("|".join(_phrase_pattern(k) for k in probable)) if probable else None,
    )


def keywords_from_json(text: str | None) -> Keywords:
    """The classifier for a JSON configuration (an environment variable); empty means the defaults."""
    if not text or not text.strip():
        return keywords()
    return keywords(json_object(text, "keywords"))  # a map of languages: {"en": {"opt_out": [...]}}
