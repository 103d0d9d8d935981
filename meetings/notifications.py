"""Every user-facing email of Roundtable goes through `notify()`.

Call sites say what happened (a kind), to whom, and about which circle; this module
renders `templates/emails/<kind>.subject.txt`, `<kind>.txt` and `<kind>.html` (the .txt
ones inside {% autoescape off %}: plain text must not be HTML-escaped) and sends the
message once the surrounding transaction has committed, so a rolled-back change never
emails anyone. The notifications issue moves delivery onto the Celery outbox behind this
same function, without touching its callers.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""


def _recipient(to) -> Recipient:
    if isinstance(to, str):
        return Recipient(email=to)
    return Recipient(email=to.email, name=to.display_name)


def render_message(kind: str, recipient: Recipient, context: dict) -> EmailMultiAlternatives:
    context = {"recipient": recipient, "site_url": settings.SITE_URL.rstrip("/"), **context}
    subject = render_to_string(f"emails/{kind}.subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    text = render_to_string(f"emails/{kind}.txt", context)
    html = render_to_string(f"emails/{kind}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[recipient.email])
    message.attach_alternative(html, "text/html")
    return message


def notify(kind: str, to, *, context: dict | None = None, circle=None) -> None:
    """Send the `kind` email to `to` (a user or an address) after the current transaction
    commits. `circle` is the circle the message is about (kept for the outbox)."""
    recipient = _recipient(to)
    message = render_message(kind, recipient, {"circle": circle, **(context or {})})

    def send() -> None:
        message.send()
        logger.info("sent %s email to %s", kind, recipient.email)

    # robust: a failing mail server must not turn the (already committed) change into a
    # 500, nor stop the messages queued after this one. The failure is logged; the
    # notifications issue adds retries through the outbox.
    transaction.on_commit(send, robust=True)
