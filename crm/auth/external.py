"""Sign-in that a higher feature provides (crm.sso fills `providers`).

Each provider returns the buttons for the login page; when any button is offered, the password form at
/logga-in is off (the one break-glass account has a page of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SignInOption:
    label: str
    url: str


providers: list[Callable[[], list[SignInOption]]] = []


def options() -> list[SignInOption]:
    return [option for provider in providers for option in provider()]
