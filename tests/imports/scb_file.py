"""A synthetic extract from SCB's företagsregister, as a subscriber gets it, with the traps real files have.

Windows-1252 without BOM, semicolons, CRLF, quoted cells, 12-digit PeOrgNr (16 before an organisation
number, 19/20 before a sole trader's personnummer), Ng codes that lost their leading zero, empty Ng2,
Reklamspärr as J/N/Ja/Nej/blank, numbers as text with spaces, a postcode without its space, trailing
empty lines; and, unless left out, a repeated number and a number whose check digit is wrong.
"""

from __future__ import annotations

HEADERS = [
    "PeOrgNr", "CfarNr", "Företagsnamn", "BesöksAdress", "BesöksPostNr", "BesöksPostOrt", "PostAdress", "PostNr",
    "PostOrt", "Kommun", "JurForm", "Ng1", "Ng2", "StorleksklassAnställda", "Telefon", "E-post", "Reklamspärr",
]

# Each row as SCB writes it, and what the register should hold afterwards.
ROWS = [
    ["165560360793", "12345678", "Åbyvik Mekaniska AB", "Verkstadsvägen 3", "151 31", "Södertälje", "Box 12",
     "15121", "Södertälje", "0181", "49", "25620", "1110", "5", "08-550 123 45", "info@abyvik.se", "J"],
    ["196408233234", "23456789", "Wikström Frisör", "Storgatan 1", "15132", "Södertälje", "", "", "", "0181",
     "10", "96021", "", "2", "070-123 45 67", "", "N"],
    ["169697123454", "34567890", "Kaffe; Kakor & Co HB", "Torget 2", "151 33", "Södertälje", "", "", "",
     "0181 Södertälje", "31", "56100", "2102", "0", "", "fika@kaffekakor.se", ""],
    ["16 556123 4567", "87 654 321", "Öster Ängens Bygg AB", "Ängsvägen 7", "152 40", "Södertälje", "Box 7",
     "152 21", "Södertälje", "Södertälje", "49", "41200", "43320", "4", "08 550 999 00", "kontor@osterangen.se",
     "Ja"],
    ["167696012348", "45678901", "Brf Älvsjöhöjden", "Höjdvägen 9", "15141", "Södertälje", "", "", "", "0181",
     "53", "68204", "", "1", "", "styrelsen@alvsjohojden.se", "Nej"],
    ["200105152383", "56789012", "Ung Företagare", "Skolgatan 4", "151 50", "Södertälje", "", "", "", "0181",
     "10", "62010", "", "1", "", "hej@ungforetagare.se", "J"],
    ["168024001235", "67890123", "Stiftelsen Gamla Tullen", "Tullgatan 1", "151 71", "Södertälje", "", "", "",
     "0181", "72", "91020", "", "3", "", "", ""],
]

ERROR_ROWS = [
    # The same organisation as the first row, again.
    ["5560360793", "12345679", "Åbyvik Mekaniska AB (filial)", "", "", "", "", "", "", "0181", "49", "25620", "",
     "5", "", "", "N"],
    # A check digit that is wrong.
    ["165560360794", "78901234", "Felsiffran AB", "", "", "", "", "", "", "0181", "49", "62010", "", "1", "", "",
     "N"],
]

# What each row in ROWS becomes, by organisation number.
EXPECTED = {
    "556036-0793": {
        "name": "Åbyvik Mekaniska AB", "cfar_number": "12345678", "legal_form": "Övriga aktiebolag",
        "size_class": "4", "sni": ["25620", "01110"], "visiting_postcode": "151 31", "postal_postcode": "151 21",
        "postal_address": "Box 12", "municipality": "0181", "email": "info@abyvik.se", "ad_block": True,
        "switchboard": "08-550 123 45",
    },
    "640823-3234": {
        "name": "Wikström Frisör", "legal_form": "Fysiska personer (enskild näringsidkare)", "size_class": "1",
        "sni": ["96021"], "visiting_postcode": "151 32", "email": None, "ad_block": False,
    },
    "969712-3454": {
        "name": "Kaffe; Kakor & Co HB", "legal_form": "Handelsbolag och kommanditbolag", "size_class": None,
        "sni": ["56100", "02102"], "municipality": "0181 Södertälje", "ad_block": False,
    },
    "556123-4567": {
        "name": "Öster Ängens Bygg AB", "cfar_number": "87654321", "size_class": "3", "ad_block": True,
        "sni": ["41200", "43320"], "postal_postcode": "152 21", "municipality": "Södertälje",
    },
    "769601-2348": {"name": "Brf Älvsjöhöjden", "legal_form": "Bostadsrättsföreningar", "size_class": "0",
                    "ad_block": False, "visiting_postcode": "151 41"},
    "010515-2383": {"name": "Ung Företagare", "ad_block": True, "sni": ["62010"]},
    "802400-1235": {"name": "Stiftelsen Gamla Tullen", "legal_form": "Övriga stiftelser och fonder",
                    "size_class": "2", "ad_block": False},
}
SOLE_TRADERS = {"640823-3234", "010515-2383"}


def _line(cells: list[str]) -> str:
    """A line as SCB's export writes it: cells with a semicolon or a quote quoted, the rest bare."""
    quoted = ['"' + cell.replace('"', '""') + '"' if (";" in cell or '"' in cell) else cell for cell in cells]
    return ";".join(quoted)


def scb_bytes(with_errors: bool = True) -> bytes:
    rows = ROWS + (ERROR_ROWS if with_errors else [])
    text = "\r\n".join(_line(row) for row in [HEADERS, *rows]) + "\r\n" + ";" * (len(HEADERS) - 1) + "\r\n\r\n"
    return text.encode("cp1252")
