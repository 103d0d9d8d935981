from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError

from .models import User

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length


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

    def save_user(self, request, user, form, commit=True):
        # Set our own sign-up fields before allauth's single save, not in a second write.
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.timezone = data.get("timezone") or "UTC"
        return super().save_user(request, user, form, commit=commit)
