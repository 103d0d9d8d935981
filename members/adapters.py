from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from outbox import kinds
from outbox.messages import public_url, queue_rendered
from outbox.models import secret_slot

from .models import User

ACCOUNT = kinds.register("account", "Account email")

# Values of allauth's email contexts that open an account (confirmation and reset links,
# their keys, one-time codes): the outbox keeps them only until the email is sent.
SECRET_CONTEXT = frozenset({"activate_url", "password_reset_url", "key", "code"})


@dataclass(frozen=True)
class PublicSite:
    """What allauth's templates read of `current_site` ("Hello from {{ name }}!"), from
    settings rather than the request (we run without django.contrib.sites): the same in a
    web request, a worker or a management command."""

    name: str
    domain: str


def public_site() -> PublicSite:
    return PublicSite(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


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

    # Links in account emails are built on SITE_URL, never on the request's host: they
    # read the same whoever renders them, and a forged Host header cannot redirect a
    # password reset link elsewhere.
    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return public_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return public_url(path.replace("UID-KEY", quote(key)))

    def send_account_already_exists_mail(self, email: str) -> None:
        context = {
            "signup_url": public_url(reverse("account_signup")),
            "password_reset_url": public_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, context)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Account emails (verification, password reset...) go through the outbox too, so
        # a slow mail server never holds up a sign-up and every email is retried the same way.
        ctx = {"email": email, "current_site": public_site(), **context}
        secrets = {}
        for name, value in context.items():
            if name.endswith("_url") and isinstance(value, str):
                ctx[name] = value = public_url(value)
            if name in SECRET_CONTEXT and value:
                secrets[name] = str(value)
                ctx[name] = secret_slot(name)
        message = self.render_mail(template_prefix, email, ctx)
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
            secrets=secrets,
        )

    def save_user(self, request, user, form, commit=True):
        # Set our own sign-up fields before allauth's single save, not in a second write.
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.timezone = data.get("timezone") or "UTC"
        return super().save_user(request, user, form, commit=commit)
