"""What crm.sensitive finds in a note: real personnummer and samordningsnummer, health words; and what it leaves
alone: organisation numbers, Luhn-invalid numbers, phone numbers, dates, ordinary business language."""

from __future__ import annotations

import pytest
from wtforms import Form

from crm.formfields import NoteArea, sensitive_message
from crm.sensitive import Finding, Kind, findings, luhn_valid


def found(text: str) -> list[tuple[Kind, str]]:
    return [(finding.kind, finding.text) for finding in findings(text)]


# ---- numbers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number", [
    "850101-1236",      # YYMMDD-NNNN
    "8501011236",       # without the dash
    "19850101-1236",    # YYYYMMDD-NNNN
    "198501011236",     # YYYYMMDDNNNN
    "121212+1212",      # + : a person over 100
    "19121212-1212",    # Skatteverket's own test number
    "811228-9874",
    "000229-1235",      # 29 February 2000
    "070123-4569",      # born 2007, written with the dash
])
def test_a_personnummer_is_found_as_written(number):
    assert found(f"Kontakt: Anna Svensson, {number}, vill ha besök.") == [(Kind.PERSONNUMMER, number)]


@pytest.mark.parametrize("number", ["701263-1235", "7012631235", "19701263-1235"])
def test_a_samordningsnummer_has_60_added_to_the_day(number):
    assert found(f"Samordningsnummer {number}.") == [(Kind.SAMORDNINGSNUMMER, number)]


@pytest.mark.parametrize("number", [
    "850101-1237",      # wrong check digit
    "8501011230",
    "19850101-1234",    # the brief's example number has no valid check digit
    "19121212-1213",
])
def test_a_number_with_a_wrong_check_digit_is_not_a_personnummer(number):
    assert found(f"Nummer {number}") == []


@pytest.mark.parametrize("number", ["556677-8899", "5566778899", "16556677-8899", "212000-0142", "802002-7000"])
def test_an_organisation_number_is_not_a_personnummer(number):
    assert luhn_valid("5566778899")  # an orgnr has a valid check digit too: the month rules it out
    assert found(f"Företaget {number} har 12 anställda.") == []


@pytest.mark.parametrize("text", [
    "Ring 0701234569 efter lunch.",           # a mobile number: a date (2007-01-23) and a valid check digit
    "Växeln 0812345676.",                     # Stockholm, ten digits
    "Ring 070-123 45 69 eller 08-123 456 76.",
    "Mobil +46701234569.",
    "Mobil 0046701234569.",
    "Mobil 46701234569.",
    "Tel. 468501011236.",                     # twelve digits: a personnummer's ten after the country code
    "Tel. +468501011236.",
])
def test_phone_numbers_are_not_personnummer(text):
    assert found(text) == []


@pytest.mark.parametrize("text", [
    "Mötet 2025-03-14 kl. 13.30.",
    "Mötet 20250314 kl. 1330.",
    "Avtalet gäller 850101 till 991231.",
    "Leverans 20301201-1230.",                # a date after today is no date of birth
    "Ärende 1234567890.",                     # no month 56
    "Faktura 9999999999 och 0000000000.",
    "Order 123456-7890.",
    "Beloppet 1 850 101 kr.",
    "Bankgiro 5050-1055.",
    "Anna 850101-****.",                      # masked: only the date of birth is left
])
def test_dates_and_other_digit_strings_are_not_personnummer(text):
    assert found(text) == []


def test_several_numbers_are_all_found_each_once():
    text = "Anna 850101-1236, Bo 811228-9874 och Anna igen 850101-1236."
    assert found(text) == [(Kind.PERSONNUMMER, "850101-1236"), (Kind.PERSONNUMMER, "811228-9874")]


def test_luhn():
    assert luhn_valid("8112289874") and not luhn_valid("8112289875")


# ---- health ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "word"), [
    ("VD är sjukskriven sedan mars.", "sjukskriven"),
    ("Hon är långtidssjukskriven.", "långtidssjukskriven"),
    ("Sjukskrivningen förlängs.", "Sjukskrivningen"),
    ("VD sjuk, mötet flyttas.", "sjuk"),
    ("Han har en allvarlig sjukdom.", "sjukdom"),
    ("Fick sin diagnos i våras.", "diagnos"),
    ("Diagnostiserad i våras.", "Diagnostiserad"),
    ("Sonen har adhd.", "adhd"),
    ("Ägaren har bröstcancer.", "bröstcancer"),
    ("Han har en depression.", "depression"),
    ("Hon är utbränd.", "utbränd"),
    ("Utmattningssyndrom efter hösten.", "Utmattningssyndrom"),
    ("Ekonomichefen är gravid.", "gravid"),
    ("Graviditeten gör att hon går ner i tid.", "Graviditeten"),
    ("Problem med alkoholmissbruk i ledningen.", "alkoholmissbruk"),
    ("Delägaren är alkoholist.", "alkoholist"),
    ("Kämpar med psykisk ohälsa.", "psykisk ohälsa"),
    ("Har en funktionsnedsättning.", "funktionsnedsättning"),
    ("Sonen är handikappad.", "handikappad"),
    ("Allergisk mot nötter.", "Allergisk"),
    ("Har svår allergi.", "allergi"),
    ("Han tar medicin för det.", "tar medicin"),
    ("Går i behandling hos psykolog.", "behandling hos psykolog"),
    ("Han opererades i knät.", "opererades"),
    ("Fick en hjärtinfarkt i maj.", "hjärtinfarkt"),
    ("Drabbades av stroke.", "stroke"),
    ("Barnet har autism.", "autism"),
    ("Slutar av hälsoskäl.", "hälsoskäl"),
])
def test_health_words_are_found(text, word):
    assert found(text) == [(Kind.HEALTH, word)]


@pytest.mark.parametrize("text", [
    "Behandling av ärendet tar tre veckor.",
    "Bygglovet är under behandling.",
    "Operationen i Polen flyttas till Järna.",
    "Företaget har en ny operation i Kina.",
    "Företaget opererar i hela Norden.",
    "De tillverkar medicinteknik och medicinsk utrustning.",
    "Läkemedelsföretaget får läkemedelsverkets godkännande.",
    "Restaurangen inför allergimärkning på menyn.",
    "Entrén är handikappanpassad.",
    "De säljer diagnostik till sjukhus och sjukvården.",
    "Materialutmattning och utmattningsprov i labbet.",
    "Sjukfrånvaron i branschen är låg.",
    "Ett sjukt bra kvartal.",
    "Alkoholtillståndet för uteserveringen är klart.",
    "Missbruk av dominerande ställning tas upp av Konkurrensverket.",
    "De är beroende av en enda kund.",
    "Vill diskutera kompetensförsörjning, lokaler och upphandling.",
])
def test_ordinary_business_language_is_left_alone(text):
    assert found(text) == []


def test_an_empty_note_has_nothing():
    assert findings("") == [] and findings(None) == []


def test_numbers_and_words_together_in_order_of_kind():
    assert findings("Anna 850101-1236 är sjukskriven. Sjukskriven till maj.") == [
        Finding(Kind.PERSONNUMMER, "850101-1236"), Finding(Kind.HEALTH, "sjukskriven"),
    ]


# ---- the message and the field ---------------------------------------------------------------------------------

def test_the_message_names_what_was_found(app):
    assert sensitive_message([Finding(Kind.PERSONNUMMER, "19850101-1236")]) == [
        "Texten ser ut att innehålla ett personnummer (19850101-1236). Personnummer behövs sällan i en anteckning: "
        "ta bort det om det inte är nödvändigt."
    ]
    [numbers, health] = sensitive_message(findings("850101-1236, 701263-1235: sjukskriven, gravid"))
    assert "personnummer (850101-1236, 701263-1235)" in numbers and "ta bort dem" in numbers
    assert "uppgifter om hälsa (”sjukskriven”, ”gravid”)" in health and "känsliga personuppgifter" in health
    [single] = sensitive_message([Finding(Kind.SAMORDNINGSNUMMER, "701263-1235")])
    assert "ett samordningsnummer (701263-1235)" in single


class _NoteForm(Form):
    note = NoteArea("Anteckning")


class _Posted(dict):
    def getlist(self, key):
        return [self[key]] if key in self else []


def test_the_field_warns_once_and_keeps_the_text(app):
    form = _NoteForm(_Posted(note="Anna 850101-1236"))
    assert not form.validate()
    assert form.note.data == "Anna 850101-1236" and "850101-1236" in form.note.errors[0]
    box = str(form.note.confirm_box())
    assert 'name="note-kontrollerad"' in box and 'aria-describedby="note-error"' in box and "checked" not in box
    assert "Jag har kontrollerat texten och vill spara den ändå" in box

    confirmed = _NoteForm(_Posted({"note": "Anna 850101-1236", "note-kontrollerad": "ja"}))
    assert confirmed.validate() and confirmed.note.data == "Anna 850101-1236"
    assert "checked" in str(confirmed.note.confirm_box())

    clean = _NoteForm(_Posted(note="Anna ringer tillbaka."))
    assert clean.validate() and str(clean.note.confirm_box()) == ""


def test_a_field_that_is_not_posted_shows_no_box(app):
    form = _NoteForm(data={"note": "Anna 850101-1236"})
    assert str(form.note.confirm_box()) == ""
