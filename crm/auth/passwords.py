"""Password rules and checking a password in the same time whether or not the account exists.

The common passwords are `common-passwords.txt.gz` beside this module: 19,640 passwords (lowercased,
deduplicated) from Royce Williams' list of the 20,000 most common, as shipped by Django 5.2 under its BSD
licence. It is read from the package, never fetched.
"""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).with_name("common-passwords.txt.gz")
# Swedish words people build passwords on that the English-language list lacks.
SWEDISH_COMMON = frozenset({
    "lösenord", "losenord", "hemligt", "hemlig", "välkommen", "valkommen", "sommar", "vinter", "hösten", "hosten",
    "våren", "varen", "kommun", "kommunen", "sverige", "stockholm", "göteborg", "malmö", "hejhej", "hejsan",
    "qwertyuiopå", "asdfghjklöä", "näringsliv", "naringsliv",
})
# Runs that are not passwords however long: a password that is a piece of one of these is refused.
SEQUENCES = ("01234567890123456789", "98765432109876543210", "abcdefghijklmnopqrstuvwxyzåäö",
             "öäåzyxwvutsrqponmlkjihgfedcba", "qwertyuiopåasdfghjklöäzxcvbnm", "mnbvcxzäölkjhgfdsaåpoiuytrewq")
TRAILING = re.compile(r"[\d\W_]+$")
WORD = re.compile(r"[^\W\d_]+|\d+")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip()) | SWEDISH_COMMON


def _is_common(lowered: str) -> bool:
    common = common_passwords()
    base = TRAILING.sub("", lowered)  # "Sommar2024!" is "sommar" with digits added
    return lowered in common or (len(base) >= 4 and base in common)


def _is_trivial(lowered: str) -> bool:
    return len(set(lowered)) < 5 or any(lowered in run for run in SEQUENCES)


def _personal_words(name: str, email: str) -> list[str]:
    """The user's address, its parts and the parts of the name, longest first (three letters or more)."""
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    words = {email, local, *WORD.findall(local), *WORD.findall(domain.split(".")[0]),
             *WORD.findall((name or "").lower())}
    return sorted((word for word in words if len(word) >= 3), key=len, reverse=True)


def _is_personal(lowered: str, name: str, email: str) -> bool:
    """Whether what is left after taking out the name and address is too little to count (under 8 characters)."""
    rest = lowered
    for word in _personal_words(name, email):
        rest = rest.replace(word, "")
    if rest == lowered:
        return False
    return len(re.sub(r"[\W_]", "", rest)) < 8


def problem(password: str, *, name: str = "", email: str = "") -> str | None:
    """Why this password may not be used (a Swedish message for the field), or None."""
    if len(password) < MIN_LENGTH:
        return str(_l("Lösenordet måste ha minst %(min)d tecken.", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Lösenordet får ha högst %(max)d tecken.", max=MAX_LENGTH))
    lowered = password.lower()
    if _is_common(lowered) or _is_trivial(lowered):
        return str(_l("Lösenordet är för vanligt och lätt att gissa. Välj ett annat, till exempel några ord i rad."))
    if _is_personal(lowered, name, email):
        return str(_l("Lösenordet får inte bygga på användarens namn eller e-postadress."))
    return None


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("ingen-användare-har-det-här-lösenordet", method=method)


def verify(password_hash: str | None, password: str) -> bool:
    """Check a password against a hash; with no hash (no such account), check a dummy one so it takes as long."""
    if password_hash is None:
        check_password_hash(_dummy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)
        return False
    return check_password_hash(password_hash, password)
