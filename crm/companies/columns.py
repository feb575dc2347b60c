"""The columns of the company register as files know them: export headers and import aliases.

Export writes `header`; import recognises `header` and every alias (case, accents and spacing
ignored), including SCB's own column names from the företagsregister files.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()


COMPANY_COLUMNS: tuple[Column, ...] = (
    Column(
        "org_number", "Organisationsnummer", ("orgnr", "org nr", "org.nr", "organisationsnr", "peorgnr", "orgnummer")
    ),
    Column("name", "Företagsnamn", ("namn", "företag", "foretag", "företagsnamn", "firma", "bolag")),
    Column("legal_form", "Juridisk form", ("bolagsform", "företagsform", "juridiskform", "jurform")),
    Column(
        "sni_codes",
        "SNI-koder",
        # SCB's files give up to five: Ng1 (the main one) to Ng5.
        ("sni", "sni kod", "sni-kod", "sni2007", "bransch", "ng1", "ng2", "ng3", "ng4", "ng5", "branschkod"),
    ),
    Column("sni_version", "SNI-version", ("sniversion",)),
    Column("size_class", "Storleksklass", ("storleksklassanställda", "storleksklass anställda", "stkl", "storlek")),
    Column("employees", "Antal anställda", ("anställda", "anstallda", "antal anst")),
    Column("employees_date", "Anställda per datum", ("anställda datum",)),
    Column("visiting_address", "Besöksadress", ("besöksadress", "besoksadress", "gatuadress", "adress")),
    Column("visiting_postcode", "Besökspostnummer", ("besökspostnr", "besökspostnummer", "postnummer", "postnr")),
    Column("visiting_city", "Besöksort", ("besöksort", "besökspostort", "ort", "postort")),
    Column("postal_address", "Postadress", ("utdelningsadress", "postadress")),
    Column("postal_postcode", "Postnummer (post)", ("postadress postnummer", "popostnr", "postnummer post")),
    Column("postal_city", "Postort (post)", ("popostort", "postort post")),
    Column("cfar_number", "CFAR-nummer", ("cfarnr", "cfar nr", "cfar", "arbetsställenummer")),
    Column("municipality", "Kommun", ("kommunnamn", "kommunkod")),
    Column("district", "Kommundel", ("område", "omrade", "verksamhetsområde", "företagsområde", "kommundel")),
    Column("website", "Webbplats", ("hemsida", "webb", "www", "url", "webbadress")),
    Column("switchboard", "Växel", ("telefon", "telefonnummer", "tel", "växelnummer")),
    # A generic "E-post" column is the company's unless the file is about contact persons: see guess_mapping.
    Column("email", "Företagets e-post", ("e-post företaget", "företagets e-postadress", "epost företag")),
    Column("ad_block", "Reklamspärr", ("reklamsparr", "reklam spärr")),
    Column("tags", "Taggar", ("tagg", "kluster", "etiketter")),
    Column("women_led", "Kvinnligt ledd", ("kvinnligt lett", "kvinna vd")),
    Column("women_owned", "Majoritetsägt av kvinnor", ("kvinnligt ägt", "kvinnoägt")),
    Column("status", "Status", ("företagsstatus",)),
    Column("owner_email", "Ansvarig handläggare", ("handläggare", "ansvarig", "kontaktansvarig")),
)

CONTACT_COLUMNS: tuple[Column, ...] = (
    Column("contact_name", "Kontaktperson", ("kontakt", "kontaktnamn", "namn kontaktperson")),
    Column("contact_email", "Kontaktpersonens e-post", ("e-post", "epost", "email", "e-postadress", "mejl", "mail")),
    Column("contact_phone", "Kontaktpersonens telefon", ("mobil", "mobilnummer", "kontakt telefon")),
    Column("contact_role", "Kontaktpersonens roll", ("roll", "befattning", "titel")),
)

ALL_COLUMNS: tuple[Column, ...] = COMPANY_COLUMNS + CONTACT_COLUMNS
COLUMNS_BY_KEY = {column.key: column for column in ALL_COLUMNS}
