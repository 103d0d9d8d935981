"""The welcome a newcomer reads: the demo accounts and what to try. Printed by seed_demo,
and again by `demo_welcome` once the worker is up, so it does not scroll away under the
worker's and beat's banners on `make run`."""

from django.urls import reverse

from .data import PROGRAM_ADMIN_EMAIL, ROSTER_PEOPLE
from .seed_tour import Tour


def account_lines(people: list[tuple], password: str, base_url: str) -> list[str]:
    lines = [f"Log in at {base_url}{reverse('account_login')} with:"]
    for email, full, *_ in people:
        role = (
            "program admin"
            if email == PROGRAM_ADMIN_EMAIL
            else ("organizer" if email.startswith("organizer") else "member")
        )
        lines.append(f"  {email:<34} {full:<20} ({role})")
    lines.append(f"  ...and {len(ROSTER_PEOPLE)} more members of the demo circles.")
    lines.append(f"Password for all demo accounts: {password}")
    return lines


def tour_lines(tour: Tour | None, base_url: str) -> list[str]:
    if tour is None:
        return []
    return ["Things to try:", *tour.lines(base_url)]
