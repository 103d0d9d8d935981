"""Rows stored before the `secrets` column kept their links with tokens in the bodies:
invitations, one-click RSVP and survey links, email confirmation and password reset keys,
calendar feeds. Rows already sent, cancelled or failed get those links replaced by the
"removed" mark; rows still to be sent get them moved into `secrets` behind a slot, so
sending puts them back and then clears them, as for every new row.

Self-contained (a migration must not depend on code that changes later): the slot format
is outbox.models.secret_slot's, and the paths are those of the URLs that carry a token."""

import re
from html import escape

from django.db import migrations

REMOVED_LINK = "[link removed after sending]"
TOKEN_URL = re.compile(
    r"(?:https?|webcal)://[^\s\"'<>]*?/(?:"
    r"invitations/[^\s\"'<>/]+/"
    r"|rsvp/[^\s\"'<>/]+/"
    r"|surveys/[^\s\"'<>/]+/"
    r"|accounts/confirm-email/[^\s\"'<>/]+/"
    r"|accounts/password/reset/key/[^\s\"'<>/]+/"
    r"|calendar/[^\s\"'<>/]+\.ics"
    r")"
)
STILL_TO_SEND = ("pending", "sending")
BATCH = 500


def secret_slot(name: str) -> str:
    return f"[link removed after sending: {name}]"


def scrub_row(row) -> bool:
    """Scrub one row in place; whether anything changed."""
    fields = ("subject", "body_text", "body_html")
    found = []
    for field in fields:
        for match in TOKEN_URL.findall(getattr(row, field) or ""):
            if match not in found:
                found.append(match)
    if not found:
        return False
    keep = row.status in STILL_TO_SEND
    secrets = dict(row.secrets or {})
    for n, url in enumerate(found, start=1):
        name = f"stored_link_{n}"
        mark = secret_slot(name) if keep else REMOVED_LINK
        if keep:
            secrets[name] = url.replace("&amp;", "&")
        for field in fields:
            value = getattr(row, field) or ""
            setattr(row, field, value.replace(url, mark).replace(escape(url), mark))
    row.secrets = secrets if keep else {}
    return True


def scrub_links(apps, schema_editor):
    Notification = apps.get_model("outbox", "Notification")
    rows = Notification.objects.filter(secrets={}).only(
        "pk", "status", "subject", "body_text", "body_html", "secrets"
    )
    # Loaded a batch at a time by primary key (not through an open cursor, which SQLite
    # would be reading while the same rows are written).
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        batch = [row for row in rows.filter(pk__in=pks[start : start + BATCH]) if scrub_row(row)]
        Notification.objects.bulk_update(batch, ["subject", "body_text", "body_html", "secrets"])


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0003_notification_secrets"),
    ]

    operations = [migrations.RunPython(scrub_links, migrations.RunPython.noop)]
