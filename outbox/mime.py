"""Writing messages out faster, as Django would.

Two costs of Django's (standard library) MIME writer are pure overhead for our mail:

- compat32 folds every header through `email.header.Header`, also the short ASCII ones
  that need no folding. `FastFoldPolicy` writes those as they are and hands everything
  else (long, non-ASCII or unusual values) to compat32; tests/outbox/test_mime.py proves
  the two write the same bytes.
- A multipart without a boundary gets a random one that the generator then proves absent
  from the text by compiling a regular expression for it, once per part and message.
  `OutboxMessage` gives each multipart a random 128-bit boundary instead, which no text
  can contain unless it was written knowing it.

No library offers this: they are shortcuts inside the standard library's own algorithm.
"""

import re
import secrets
from email.policy import Compat32

from django.core.mail import EmailMultiAlternatives

# Printable ASCII without leading or trailing blanks, runs of blanks, or anything that
# looks like an encoded word: exactly the values Header.encode() returns unchanged.
_PLAIN = re.compile(r"^[!-~]+(?: [!-~]+)*$")
MAX_LINE = 78


class FastFoldPolicy(Compat32):
    def _fold(self, name, value, sanitize):
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= (self.max_line_length or MAX_LINE)
            and "=?" not in value
            and _PLAIN.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


FAST_FOLD = FastFoldPolicy()


class OutboxMessage(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose MIME tree is written with FastFoldPolicy."""

    def message(self):
        message = super().message()
        message.policy = FAST_FOLD
        for part in message.walk():
            if part.get_content_maintype() == "multipart":
                part.set_boundary(f"==={secrets.token_hex(16)}==")
        return message
