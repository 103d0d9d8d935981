from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Set our own sign-up fields before allauth's single save, not in a second write.
        data = form.cleaned_data
        user.full_name = data.get("full_name", "")
        user.timezone = data.get("timezone") or "UTC"
        return super().save_user(request, user, form, commit=commit)
