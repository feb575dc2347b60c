"""Creating a company whose name is close to an existing one's warns, with links, before anything is saved;
ticking "det är ett annat företag" saves it anyway. One query finds the close names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.companies.models import Company
from crm.companies.similar import similar_companies
from crm.extensions import db

FORM = {"name": "", "status": "aktiv", "sni_version": "SNI 2007", "women_led": "", "women_owned": "",
        "owner_id": "", "legal_form": "", "size_class": ""}


def company_count() -> int:
    return db.session.execute(select(func.count()).select_from(Company)).scalar_one()


def test_a_close_name_warns_with_a_link_and_saves_nothing(client, login_as, factories):
    login_as("staff")
    existing = factories.company(name="Åbyvik Energi AB")
    db.session.commit()
    response = client.post("/foretag/nytt", data={**FORM, "name": "Åbyvik Energi"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    warning = html.split('id="similar-companies"', 1)[1].split("</div>\n", 1)[0]
    assert "Det finns redan ett företag med liknande namn:" in warning
    assert f'<a href="/foretag/{existing.id}">Åbyvik Energi AB</a>' in warning
    assert 'name="not_a_duplicate"' in warning
    assert company_count() == 1


def test_ticking_the_box_saves_anyway(client, login_as, factories):
    login_as("staff")
    factories.company(name="Åbyvik Energi AB")
    db.session.commit()
    response = client.post("/foretag/nytt", data={**FORM, "name": "Åbyvik Energi", "not_a_duplicate": "y"})
    assert response.status_code == 302
    assert db.session.execute(select(Company).where(Company.name == "Åbyvik Energi")).scalar_one()


def test_an_unrelated_name_does_not_warn(client, login_as, factories):
    login_as("staff")
    factories.company(name="Åbyvik Energi AB")
    db.session.commit()
    response = client.post("/foretag/nytt", data={**FORM, "name": "Hamnens Varv AB"})
    assert response.status_code == 302 and company_count() == 2
    assert "liknande namn" not in client.get("/foretag/nytt").get_data(as_text=True)


@pytest.mark.parametrize(
    ("existing", "typed", "close"),
    [
        ("Åbyvik Energi AB", "ÅBYVIK ENERGI", True),  # the same name key
        ("Åbyvik Energi Service AB", "Åbyvik Energi", True),  # the new name begins the existing one
        ("Åbyvik Energi AB", "Åbyvik Energi och Vind AB", True),  # the existing name begins the new one
        ("Åbyvik Energi AB", "Åbyviks Energi AB", False),
        ("Bil AB", "Bil och Däck AB", False),  # too short a beginning to tell anything
        ("Energi i Åbyvik AB", "Åbyvik Energi", False),
    ],
)
def test_what_counts_as_close(factories, existing, typed, close):
    company = factories.company(name=existing)
    db.session.commit()
    assert (similar_companies(typed) == [company]) is close


def test_one_query_with_the_equal_name_first(factories, count_queries):
    longer = factories.company(name="Åbyvik Energi Service AB")
    equal = factories.company(name="Åbyvik Energi AB")
    shorter = factories.company(name="Åbyvik Energi")
    for n in range(5):
        factories.company(name=f"Annat Bolag {n} AB")
    db.session.commit()
    with count_queries() as log:
        found = similar_companies("Åbyvik Energi Aktiebolag")
    assert log.count == 1
    assert found[0] in (equal, shorter) and set(found) == {longer, equal, shorter}
