from django.shortcuts import get_object_or_404

from .models import User


def get_member(request, public_id) -> User:
    """A person whose card the requester may see; 404 for everyone else, so an outsider
    cannot learn that the account exists."""
    queryset = User.objects.visible_to(request.user).select_related("institution")
    return get_object_or_404(queryset, public_id=public_id, is_active=True)
