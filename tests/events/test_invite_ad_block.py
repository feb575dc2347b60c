"""Reklamspärr: a company's generic address gets no mailing, and the previews say so; its named contact
persons who may be invited still are."""

from __future__ import annotations

import re

from crm.extensions import db
from tests.events.helpers import outbox


def _ticked(html: str) -> set[int]:
    return {int(value) for value in re.findall(r'name="contacts" id="contacts-\d+" value="(\d+)" checked', html)}


def _register(factories):
    blocked = factories.company(name="Spärrade Verkstaden AB", district="Hamnen", email="info@sparrade.se",
                                ad_block=True)
    open_company = factories.company(name="Öppna Caféet AB", district="Hamnen", email="info@oppna.se")
    no_address = factories.company(name="Adresslösa AB", district="Hamnen", ad_block=True)
    factories.company(name="Annan Ort AB", district="Centrum", email="info@annan.se", ad_block=True)
    person = factories.contact(blocked, name="Vera Verkstad")
    return blocked, open_company, no_address, person


def test_invite_by_filter_leaves_out_the_generic_address_of_a_company_with_reklamsparr(client, login_as, factories):
    login_as("organizer")
    event = factories.event(title="Frukost i hamnen")
    blocked, _open, no_address, person = _register(factories)
    db.session.commit()
    url = f"/evenemang/{event.id}/bjud-in?kalla=filter&district=Hamnen"

    html = client.get(url).get_data(as_text=True)

    assert _ticked(html) == {person.id}, "a named person who may be invited is not blocked by the company's spärr"
    section = html.split('id="reklamsparr"', 1)[1]
    assert "Reklamspärr: 1 företags allmänna adress utelämnas" in html
    assert "Spärrade Verkstaden AB" in section and "info@sparrade.se" in section
    assert "Öppna Caféet AB" not in section and "Adresslösa AB" not in section and "Annan Ort AB" not in section
    client.post(url, data={"contacts": [str(person.id)]})
    recipients = [address for row in outbox("invite:") for address in row.recipient_list]
    assert recipients == [person.email]
    assert "info@sparrade.se" not in recipients


def test_network_bulk_add_shows_which_generic_addresses_reklamsparr_leaves_out(client, login_as, factories):
    login_as("organizer")
    network = factories.network(name="Hamnens företagare")
    _blocked, _open, _no_address, person = _register(factories)
    db.session.commit()

    html = client.get(f"/natverk/{network.id}/medlemmar/urval", query_string={"district": "Hamnen"}).get_data(
        as_text=True)

    assert 'name="links" value="' in html and person.name in html, "the named person can still be added"
    section = html.split('id="reklamsparr"', 1)[1]
    assert "Spärrade Verkstaden AB" in section and "info@sparrade.se" in section
    assert "Öppna Caféet AB" not in section


def test_without_a_filter_the_bulk_add_page_does_not_count_the_whole_register(client, login_as, factories):
    login_as("organizer")
    network = factories.network(name="Alla")
    _register(factories)
    db.session.commit()
    html = client.get(f"/natverk/{network.id}/medlemmar/urval").get_data(as_text=True)
    assert 'id="reklamsparr"' not in html
