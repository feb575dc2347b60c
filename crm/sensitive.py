"""What in a free-text note looks like a personnummer or health data, so the person saving it can be warned.

Data minimisation (GDPR art. 5.1 c): a note about a company rarely needs a personnummer, and health data
is a special category (art. 9). `findings(text)` returns what was found, each with its kind and the text
as written, so a message can name it. It only warns: the person saving decides.

A number counts when it is a real personnummer or samordningsnummer: a date of birth (a samordningsnummer
adds 60 to the day), four more digits and a valid Luhn check digit. So an organisation number (its
third digit is 2 or more, no month), a date, a random digit string and most phone numbers do not. A
ten-digit number written without a dash and beginning with 0 is read as a phone number (070 1234567,
08 12345678): every Swedish phone number begins with 0, while only people born 2000–2009 have such a
personnummer, and theirs are nearly always written with the dash.

Health words are matched as whole words (or stems) chosen to leave ordinary business language alone:
"behandling av ärendet", "operationen i Polen", "medicinteknik", "allergimärkning" and
"handikappanpassad entré" do not count, "behandling hos psykolog", "opererades", "tar medicin" and
"allergisk mot nötter" do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Kind(StrEnum):
    PERSONNUMMER = "personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer"
    HEALTH = "halsa"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    text: str  # as written in the note

    @property
    def is_number(self) -> bool:
        return self.kind in (Kind.PERSONNUMMER, Kind.SAMORDNINGSNUMMER)


# YYMMDD or YYYYMMDD, then -, + or nothing, then four digits; no digit (or + of a phone number) around it.
_NUMBER = re.compile(r"(?<![\d+])(?P<birth>(?:18|19|20)?\d{6})(?P<sep>[-+]?)(?P<tail>\d{4})(?![\d])")

# Stems and phrases, as whole words (\b), case-insensitive. A leading \w* allows compounds where the
# prefix does not change the meaning (långtidssjukskriven, bröstcancer, alkoholmissbruk).
_HEALTH_PATTERNS = (
    r"\w*sjukskriv\w*",
    r"sjukanmäl\w*",
    r"sjuk|sjuka",
    r"sjukdom\w*",
    r"(?:ligger|låg|lades in|inlagd|inlagda) på sjukhus\w*",
    r"diagnos(?:en|er|erna|ticerad\w*|tiserad\w*)?",
    r"\w*cancer\w*",
    r"depression\w*|deprimerad\w*|\w*depression",
    r"utbränd\w*|utbrändhet\w*",
    r"utmattningssyndrom\w*",
    r"gravid\w*",
    r"missfall\w*",
    r"(?:alkohol|drog|narkotika|spel)missbruk\w*|missbrukare\w*|missbruksproblem\w*",
    r"alkoholi\w*",
    r"(?:alkohol|drog|spel)beroende\w*",
    r"(?:psykisk|psykiska|psykiskt|mental|mentala|mentalt) (?:ohälsa|sjukdom\w*|sjuk|problem\w*|besvär)",
    r"psykiatri\w*|psykos|psykosen|psykoser",
    r"ångestsyndrom|panikångest\w*",
    r"bipolär\w*|schizofren\w*|ätstörning\w*|anorexi\w*|bulimi\w*|självmord\w*|suicid\w*",
    r"funktionsnedsättning\w*|funktionshinder\w*|funktionshindrad\w*",
    r"handikapp|handikappet|handikappad|handikappade",
    r"allergi|allergin|allergier|allergierna|allergisk|allergiska",
    r"(?:tar|äter|får|fick|ätit|tagit) (?:sin |sina )?(?:medicin|mediciner|medicinen|läkemedel|läkemedlet)",
    r"medicinering\w*|medicinerad\w*|medicinerar",
    r"behandling(?:en)? (?:hos|på|vid) (?:en |sin |ett )?(?:läkare\w*|psykolog\w*|terapeut\w*|kurator\w*|"
    r"psykiatri\w*|sjukgymnast\w*|fysioterapeut\w*|vårdcentral\w*|sjukhus\w*|klinik\w*|beroendevård\w*)",
    r"(?:går|gick) i terapi",
    r"opererad\w*|opererades|opererats",
    r"hjärtinfarkt\w*|infarkt\w*|stroke\w*|hjärnblödning\w*|hjärnskakning\w*",
    r"adhd|autism\w*|autistisk\w*|asperger\w*|dyslexi\w*|demens|demenssjuk\w*|dement|dementa|alzheimer\w*",
    r"diabet\w*|epilep\w*|reumati\w*|hiv|astma\w*|migrän\w*",
    r"hälsoproblem\w*|hälsoskäl|hälsotillstånd\w*",
)
_HEALTH = re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in _HEALTH_PATTERNS) + r")\b", re.IGNORECASE)


def luhn_valid(digits: str) -> bool:
    """The Luhn check (mod 10) over ten digits, as Skatteverket computes the check digit."""
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _birth_date(birth: str, today: date) -> int | None:
    """What a samordningsnummer adds to the day (0 or 60) when the digits are a date of birth (a real date,
    not after today), else None."""
    years = [int(birth[:4])] if len(birth) == 8 else [1900 + int(birth[:2]), 2000 + int(birth[:2])]
    month, day = int(birth[-4:-2]), int(birth[-2:])
    for offset in (0, 60):
        for year in years:
            try:
                born = date(year, month, day - offset)
            except ValueError:
                continue
            if born <= today:
                return offset
    return None


def _number_finding(match: re.Match, today: date) -> Finding | None:
    birth, sep, tail = match["birth"], match["sep"], match["tail"]
    if len(birth) == 6 and not sep and birth.startswith("0"):
        return None  # a phone number (0701234567, 0812345678)
    if len(birth) == 8 and sep == "+":
        return None  # the + (over 100 years old) goes with the short form only
    offset = _birth_date(birth, today)
    if offset is None or not luhn_valid(birth[-6:] + tail):
        return None
    return Finding(Kind.SAMORDNINGSNUMMER if offset else Kind.PERSONNUMMER, match.group(0))


def numbers(text: str) -> list[Finding]:
    """The personnummer and samordningsnummer in the text, in order."""
    today = date.today()
    return [found for match in _NUMBER.finditer(text) if (found := _number_finding(match, today))]


def health_words(text: str) -> list[Finding]:
    """The words about health in the text, in order."""
    return [Finding(Kind.HEALTH, match.group(0)) for match in _HEALTH.finditer(text)]


def findings(text: str | None) -> list[Finding]:
    """Everything in the text that looks like a personnummer or health data, each once (case aside)."""
    if not text:
        return []
    seen: set[tuple[Kind, str]] = set()
    unique = []
    for found in (*numbers(text), *health_words(text)):
        key = (found.kind, found.text.casefold())
        if key not in seen:
            seen.add(key)
            unique.append(found)
    return unique
