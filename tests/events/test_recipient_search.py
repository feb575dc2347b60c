"""The invitation page's contact search takes % and _ literally, in names and addresses alike."""

from __future__ import annotations

from crm.events.recipients import search_contacts
from crm.extensions import db


def test_percent_and_underscore_in_the_search_match_only_themselves(app, factories):
    plain = factories.contact(name="Anna Berg", email="anna.berg@exempel.se")
    underscored = factories.contact(name="Olle Ek", email="olle_ek@exempel.se")
    db.session.commit()

    assert search_contacts("n_a") == [], "an underscore is not any one character (ann[a.]b… must not match)"
    assert search_contacts("n%g") == [], "a percent sign is not any run of characters"
    assert search_contacts("anna") == [plain]
    assert search_contacts("olle_ek@") == [underscored], "taken literally, it still finds itself"
