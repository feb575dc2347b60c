"""The plain-Swedish texts of the registerutdrag and the record of processing: what GDPR art. 15 says the person
must be told. Each has a default; an admin may replace it (`PrivacyText`), and `privacy_text(key)` gives the one
that applies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from crm.extensions import db
from crm.privacy.models import PrivacyText

DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    "purposes": (
        _l("Varför vi behandlar uppgifterna"),
        "Kommunens näringslivsenhet använder uppgifterna för att arbeta med företagen i kommunen: "
        "kontakter med företag och deras kontaktpersoner, företagsbesök, nätverk, evenemang och "
        "uppföljningar av det som kommit fram. Uppgifterna används för att kunna höra av oss, bjuda in "
        "till träffar och hålla ordning på vad vi har lovat att göra.",
    ),
    "legal_basis": (
        _l("Rättslig grund"),
        "Behandlingen är nödvändig för att utföra en uppgift av allmänt intresse och som ett led i "
        "kommunens myndighetsutövning (dataskyddsförordningen artikel 6.1 e). Uppgiften är kommunens "
        "näringslivsfrämjande arbete enligt kommunallagen (2017:725) 2 kap. 8 §.",
    ),
    "recipients": (
        _l("Vilka som får ta del av uppgifterna"),
        "Uppgifterna läses av personalen på näringslivsenheten. Förtroendevalda politiker ser bara det "
        "som systemet visar för dem, till exempel deltagare i evenemang. Kommunens IT-leverantörer "
        "behandlar uppgifterna för vår räkning som personuppgiftsbiträden, med avtal som styr vad de får "
        "göra. Uppgifterna är allmänna handlingar och kan lämnas ut till den som begär det enligt "
        "offentlighetsprincipen, efter att kommunen har prövat om någon uppgift omfattas av sekretess.",
    ),
    "rights": (
        _l("Dina rättigheter"),
        "Du har rätt att få felaktiga uppgifter rättade, att få uppgifter raderade när det inte finns "
        "en skyldighet att bevara dem (allmänna handlingar som ska arkiveras får inte raderas), att "
        "begära att behandlingen begränsas medan något utreds, och att invända mot behandlingen, till "
        "exempel mot att få utskick från oss. Hör av dig till oss om du vill använda någon av rättigheterna.",
    ),
    "complaint": (
        _l("Klagomål"),
        "Om du tycker att vi behandlar dina personuppgifter felaktigt kan du lämna klagomål till "
        "Integritetsskyddsmyndigheten (IMY), imy.se, Box 8114, 104 20 Stockholm.",
    ),
    "controller": (
        _l("Personuppgiftsansvarig"),
        "Personuppgiftsansvarig är kommunstyrelsen i kommunen. Du når kommunens dataskyddsombud via "
        "kommunens växel eller kommunens webbplats. Frågor om uppgifterna i det här utdraget besvaras av "
        "näringslivsenheten.",
    ),
}


def privacy_text(key: str) -> str:
    """The admin's text for this key, or its default. An unknown key is a programming error (KeyError)."""
    label_and_default = DEFAULT_TEXTS[key]
    changed = db.session.get(PrivacyText, key)
    if changed is not None and changed.text.strip():
        return changed.text
    return label_and_default[1]


def all_texts() -> list[tuple[str, str, str, bool]]:
    """Every text as (key, label, text that applies, changed from the default), in one query."""
    changed = {row.key: row.text for row in db.session.scalars(db.select(PrivacyText))}
    return [
        (key, str(label), changed.get(key) or default, bool(changed.get(key)))
        for key, (label, default) in DEFAULT_TEXTS.items()
    ]
