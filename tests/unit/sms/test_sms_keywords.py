"""Inbound SMS keywords (engage.sms.keywords): revocation words as whole words anywhere, never as
substrings; opt-in and help only as the whole trimmed message; case, width and whitespace ignored."""

from __future__ import annotations

import json

import pytest
from engage.errors import ValidationError
from engage.sms.keywords import DEFAULT_KEYWORDS, Intent, keywords, keywords_from_json
from hypothesis import given
from hypothesis import strategies as st

CLASSIFY = keywords().classify
FCC_WORDS = ["stop", "quit", "end", "revoke", "opt out", "cancel", "unsubscribe"]


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("STOP", Intent.OPT_OUT),
        ("  stop  ", Intent.OPT_OUT),
        ("Stop.", Intent.OPT_OUT),
        ("please stop texting me", Intent.OPT_OUT),
        ("I want to OPT OUT now", Intent.OPT_OUT),
        ("opt-out", Intent.OPT_OUT),
        ("optout", Intent.OPT_OUT),
        ("opt\tout", Intent.OPT_OUT),
        ("Cancel my subscription!", Intent.OPT_OUT),
        ("\uff33\uff34\uff2f\uff30", Intent.OPT_OUT),  # full-width STOP, as some keyboards send it
        ("the END", Intent.OPT_OUT),
        ("See you this WEEKEND", Intent.OTHER),
        ("unstoppable deals", Intent.OTHER),
        ("I'm quitting my job", Intent.OTHER),
        ("cancellation policy?", Intent.OTHER),
        ("Please leave me alone", Intent.PROBABLE_OPT_OUT),
        ("wrong number sorry", Intent.PROBABLE_OPT_OUT),
        ("START", Intent.OPT_IN),
        (" yes! ", Intent.OPT_IN),
        ("Unstop", Intent.OPT_IN),
        ("yes I will come", Intent.OTHER),  # opt-in is the whole message only
        ("start the engine", Intent.OTHER),
        ("HELP", Intent.HELP),
        ("info?", Intent.HELP),
        ("help me with my order", Intent.OTHER),
        ("yes stop", Intent.OPT_OUT),  # a revocation wins over everything else
        ("PARAR", Intent.OPT_OUT),
        ("Sí", Intent.OPT_IN),
        ("", Intent.OTHER),
    ],
)
def test_messages_are_read_as_the_rule_reads_them(message, intent):
    assert CLASSIFY(message) == intent


@given(
    word=st.sampled_from(FCC_WORDS),
    before=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=6),
    after=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", max_size=6),
)
def test_a_revocation_word_glued_to_other_letters_revokes_nothing(word, before, after):
    glued = f"{before}{word.replace(' ', '')}{after}"
    if not before and not after:
        return  # the word itself, covered above
    assert CLASSIFY(f"see you {glued} soon") not in (Intent.OPT_OUT, Intent.OPT_IN)


@given(
    word=st.sampled_from(FCC_WORDS),
    left=st.sampled_from(["", "please ", "ok. ", "I said, "]),
    right=st.sampled_from(["", " now", "!", " texting me.", "\n"]),
    case=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_a_revocation_word_as_a_whole_word_anywhere_revokes(word, left, right, case):
    assert CLASSIFY(case(f"{left}{word}{right}")) == Intent.OPT_OUT


def test_lists_are_configurable_per_language_but_the_rules_words_stay():
    custom = keywords_from_json(
        json.dumps(
            {
                "en": {**DEFAULT_KEYWORDS["en"], "opt_out": [*DEFAULT_KEYWORDS["en"]["opt_out"], "halt"]},
                "fr": {"opt_out": ["arrêt"], "opt_in": ["oui"], "help": ["aide"]},
            }
        )
    )
    assert custom.classify("HALT please") == Intent.OPT_OUT
    assert custom.classify("Arrêt") == Intent.OPT_OUT and custom.classify("OUI") == Intent.OPT_IN
    assert custom.classify("parar") == Intent.OTHER  # Spanish was not configured
    with pytest.raises(ValidationError, match="FCC's revocation words: end, quit"):
        keywords({"en": {"opt_out": ["stop", "revoke", "opt out", "cancel", "unsubscribe"]}})
    with pytest.raises(ValidationError, match="unknown list"):
        keywords({"en": {"opt_out": FCC_WORDS, "optin": ["yes"]}})
    with pytest.raises(ValidationError, match="is not JSON"):
        keywords_from_json("{en: }")
    assert keywords_from_json("  ").classify("stop") == Intent.OPT_OUT


AWS_REQUIRED = ["ARRET", "CANCEL", "END", "OPT-OUT", "OPTOUT", "QUIT", "REMOVE", "STOP", "TD", "UNSUBSCRIBE"]


@pytest.mark.parametrize("word", AWS_REQUIRED)
@pytest.mark.parametrize("shape", ["{w}", "{w} please", "{w}.", " {l}", "{l} me from this list"])
def test_each_aws_required_opt_out_keyword_opts_out_at_the_start_of_a_message(word, shape):
    assert keywords().classify(shape.format(w=word, l=word.lower())) == Intent.OPT_OUT


@pytest.mark.parametrize(
    "message", ["I bank at TD", "Please remove the extra item from my cart", "un arret de bus"]
)
def test_a_keyword_only_aws_reads_at_the_start_counts_nowhere_else(message):
    assert keywords().classify(message) == Intent.OTHER
