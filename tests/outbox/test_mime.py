"""outbox/mime.py writes headers faster than the standard library's compat32 policy that
Django uses, and must write exactly the same bytes."""

from email import message_from_bytes, policy
from email.generator import BytesGenerator
from io import BytesIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outbox.mime import FAST_FOLD, OutboxMessage

NAMES = ["Subject", "To", "From", "Message-ID", "List-Unsubscribe", "Content-Type", "X-A"]
values = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120),
    st.text(max_size=80),  # any text: non-ASCII, control characters, surrogate escapes...
    st.sampled_from(
        ["a  b", " leading", "trailing ", "=?utf-8?q?x?=", "x" * 76, "x" * 77, "abc\n", "a\r\nb"]
    ),
)


@settings(max_examples=500, deadline=None, derandomize=True)
@given(name=st.sampled_from(NAMES), value=values, sanitize=st.booleans())
def test_every_header_is_folded_as_compat32_folds_it(name, value, sanitize):
    try:
        expected = policy.compat32._fold(name, value, sanitize)
    except Exception as exc:  # whatever compat32 refuses, the fast policy refuses too
        with pytest.raises(type(exc)):
            FAST_FOLD._fold(name, value, sanitize)
        return
    assert FAST_FOLD._fold(name, value, sanitize) == expected


def _flatten(message, with_policy) -> bytes:
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=with_policy.clone(linesep="\r\n")).flatten(
        message
    )
    return out.getvalue()


def test_a_whole_message_is_written_byte_for_byte_as_django_writes_it():
    email = OutboxMessage(
        "Reminder: Monthly circle – Thu 3 Dec, 12:00 EST",
        "Hello José,\n\nThe circle meets on Thursday.\n",
        "Roundtable <noreply@roundtable.localhost>",
        ["Jos\u00e9 Ñúñez <jose@example.org>"],
        headers={"List-Unsubscribe": "<https://example.org/profile/notifications/>"},
    )
    email.attach_alternative("<p>Hello José</p>", "text/html")
    email.attach("meeting.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message = email.message()
    assert message.policy is FAST_FOLD
    fast = _flatten(message, FAST_FOLD)  # sets the boundaries, then both reuse them
    assert fast == _flatten(message, policy.compat32)
    assert message.as_bytes(linesep="\r\n") == fast
    parsed = message_from_bytes(fast)
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    assert "Hello José" in parsed.get_payload(0).get_payload(0).get_payload(decode=True).decode()
