from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError

from outbox import kinds
from outbox.messages import queue_rendered

from .models import User

ACCOUNT = kinds.register("account", "Account email")

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
# Set by the circle invitation page: the address that invitation was sent to.
INVITED_EMAIL_SESSION_KEY = "roundtable_invited_email"


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # Django's form field allows 320 characters, our column 254: without this check a
        # longer address would be cut short silently on save. Covers sign-up and changes.
        email = super().clean_email(email)
        if len(email) > EMAIL_MAX_LENGTH:
            raise ValidationError(
                f"Use an email address of at most {EMAIL_MAX_LENGTH} characters "
                f"(this one has {len(email)})."
            )
        return email

    def is_email_verified(self, request, email: str) -> bool:
        # Someone who reached sign-up through an emailed circle invitation has shown they
        # read that mailbox, but only that one address counts as verified.
        invited = request.session.get(INVITED_EMAIL_SESSION_KEY) if request else None
        if invited and invited == email.lower():
            return True
        return super().is_email_verified(request, email)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Account emails (verification, password reset...) go through the outbox too, so
        # a slow mail server never holds up a sign-up and every email is retried the same way.
        message = self.render_mail(template_prefix, email, context)
        html = next((body for body, mime in message.alternatives if mime == "text/html"), "")
        if getattr(message, "content_subtype", "") == "html":
            html, text = message.body, ""
        else:
            text = message.body
        queue_rendered(
            ACCOUNT,
            email,
            subject=message.subject,
            text=text,
            html=html,
            recipient=context.get("user"),
        )

    def save_user(self, request, user, form, commit=True):
        # Set our own sign-up fields before allauth's single save, not in a second write.
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.timezone = data.get("timezone") or "UTC"
        return super().save_user(request, user, form, commit=commit)
