"""Emailed secrets (invitation and survey links) are stored only as this hash, so a copy
of the database hands out no working link. One definition for every app."""

import hashlib


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
