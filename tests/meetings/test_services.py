"""The rules of the meeting log at the service level: draft -> final -> new version, never an edit of a final."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from crm.audit.models import AuditEntry
from crm.extensions import db
from crm.meetings import services
from crm.meetings.models import FinalisedInteractionError, Interaction, InteractionKind, NoteStatus


def data(**fields) -> services.InteractionData:
    fields.setdefault("kind", InteractionKind.PHONE)
    fields.setdefault("occurred_on", date(2026, 11, 20))
    fields.setdefault("note", "Ringde om bygglovet.")
    return services.InteractionData(**fields)


@pytest.fixture
def staff(factories):
    user = factories.user(role="staff", name="Sara Stab")
    db.session.commit()
    return user


def test_a_new_interaction_is_a_draft_with_its_links(factories, staff):
    company = factories.company()
    contact = factories.contact(company)
    topic = factories.topic(name="Expansion i Hamnen")
    interaction = services.create_interaction(
        company, data(contact_ids=[contact.id], participant_ids=[staff.id], topic_ids=[topic.id]), staff
    )
    db.session.commit()
    assert interaction.status == NoteStatus.DRAFT and interaction.version == 1
    assert interaction.created_by == staff
    assert [c.name for c in interaction.contacts] == [contact.name]
    assert interaction.participants == [staff] and interaction.topics == [topic]
    assert interaction.finalized_at is None


def test_a_draft_can_be_changed_and_deleted(factories, staff):
    interaction = factories.interaction(author=staff)
    services.update_draft(interaction, data(note="Rättad text"), staff)
    db.session.commit()
    assert interaction.note == "Rättad text" and interaction.kind == InteractionKind.PHONE
    interaction_id = interaction.id
    services.delete_draft(interaction, staff)
    db.session.commit()
    assert db.session.get(Interaction, interaction_id) is None


def test_finalising_stamps_server_time_and_who(factories, staff):
    interaction = factories.interaction(author=staff)
    before = datetime.now(UTC)
    services.finalize(interaction, staff)
    db.session.commit()
    db.session.expire_all()
    assert interaction.status == NoteStatus.FINAL
    assert interaction.finalized_by == staff
    assert interaction.finalized_at.tzinfo is not None
    assert before <= interaction.finalized_at <= datetime.now(UTC)


def test_finalising_lands_in_the_audit_log(factories, staff):
    interaction = factories.interaction(author=staff)
    db.session.commit()
    services.finalize(interaction, staff)
    db.session.commit()
    entries = db.session.execute(
        select(AuditEntry).where(AuditEntry.entity == "Interaction", AuditEntry.entity_id == str(interaction.id))
    ).scalars().all()
    assert [entry.action for entry in entries] == ["create", "update"]
    changes = entries[1].changes
    assert changes["status"] == ["utkast", "fardigstalld"]
    assert changes["finalized_by_id"] == [None, staff.id]
    assert changes["finalized_at"][0] is None and changes["finalized_at"][1]


@pytest.mark.parametrize(
    "attempt",
    [
        lambda interaction, user: services.update_draft(interaction, data(note="Tyst ändring"), user),
        lambda interaction, user: services.delete_draft(interaction, user),
        lambda interaction, user: services.finalize(interaction, user),
    ],
    ids=["edit", "delete", "finalise again"],
)
def test_a_final_is_never_edited_deleted_or_refinalised(factories, staff, attempt):
    interaction = factories.interaction(author=staff, final=True, note="Originaltext")
    db.session.commit()
    stamped = interaction.finalized_at
    with pytest.raises(services.InteractionLocked):
        attempt(interaction, staff)
    db.session.rollback()
    db.session.expire_all()
    kept = db.session.get(Interaction, interaction.id)
    assert kept.note == "Originaltext" and kept.is_final and kept.finalized_at == stamped


def test_the_model_refuses_a_change_that_bypasses_the_services(factories, staff):
    interaction = factories.interaction(author=staff, final=True, note="Originaltext")
    db.session.commit()
    interaction.note = "Smygändring"
    with pytest.raises(FinalisedInteractionError):
        db.session.flush()
    db.session.rollback()
    interaction.topics.append(factories.topic())
    with pytest.raises(FinalisedInteractionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(interaction)
    with pytest.raises(FinalisedInteractionError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Interaction, interaction.id).note == "Originaltext"


def test_a_new_version_copies_the_final_and_keeps_it(factories, staff):
    company = factories.company()
    contact = factories.contact(company)
    topic = factories.topic()
    first = factories.interaction(
        company, author=staff, final=True, kind=InteractionKind.ESTABLISHMENT, note="Version ett",
        contacts=[contact], participants=[staff], topics=[topic],
    )
    db.session.commit()
    other = factories.user(role="staff")
    second = services.new_version(first, other)
    db.session.commit()
    assert second.status == NoteStatus.DRAFT and second.version == 2
    assert second.supersedes == first and first.superseded_by == second
    assert (second.kind, second.occurred_on, second.note) == (first.kind, first.occurred_on, first.note)
    assert second.contacts == [contact] and second.participants == [staff] and second.topics == [topic]
    assert second.created_by == other and second.finalized_at is None
    assert first.is_final and first.note == "Version ett"

    services.update_draft(second, data(note="Version två"), other)
    services.finalize(second, other)
    db.session.commit()
    assert [v.version for v in services.versions_of(first)] == [1, 2]
    assert services.versions_of(second) == services.versions_of(first)


def test_only_a_final_gets_a_new_version(factories, staff):
    draft = factories.interaction(author=staff)
    with pytest.raises(services.NotFinalised):
        services.new_version(draft, staff)


def test_only_the_newest_version_gets_a_new_version(factories, staff):
    first = factories.interaction(author=staff, final=True)
    db.session.commit()
    services.new_version(first, staff)
    db.session.commit()
    with pytest.raises(services.AlreadySuperseded):
        services.new_version(first, staff)


def test_two_new_versions_at_once_meet_the_unique_link(factories, staff):
    first = factories.interaction(author=staff, final=True)
    db.session.commit()
    assert first.superseded_by is None  # this session has seen no successor yet
    db.session.execute(
        insert(Interaction).values(
            company_id=first.company_id, kind=first.kind, occurred_on=first.occurred_on, note="",
            status=NoteStatus.DRAFT, version=2, supersedes_id=first.id,
        )
    )
    with pytest.raises(services.AlreadySuperseded):
        services.new_version(first, staff)


def test_deleting_the_newest_draft_lets_the_final_be_versioned_again(factories, staff):
    first = factories.interaction(author=staff, final=True)
    db.session.commit()
    second = services.new_version(first, staff)
    db.session.commit()
    services.delete_draft(second, staff)
    db.session.commit()
    db.session.expire_all()
    assert services.new_version(first, staff).version == 2


def test_only_staff_and_admins_read_the_log(factories, staff):
    assert services.reads_log(staff) and services.reads_log(factories.user(role="admin"))
    assert not services.reads_log(factories.user(role="organizer"))
    assert not services.reads_log(factories.user(role="politician"))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abyvik", ["Åbyvik Mekaniska AB"]),
        ("ÅBYVIK mek", ["Åbyvik Mekaniska AB"]),
        ("556036-0793", ["Åbyvik Mekaniska AB"]),
        ("5560360793", ["Åbyvik Mekaniska AB"]),
        ("byg", ["Bygg AB", "Byggservice i Söder AB"]),
        ("bygg", ["Bygg AB"]),  # an exact name (legal form aside) wins over names that contain it
        ("finns inte", []),
    ],
)
def test_company_matching(factories, typed, expected):
    factories.company(name="Åbyvik Mekaniska AB", org_number="556036-0793")
    factories.company(name="Bygg AB")
    factories.company(name="Byggservice i Söder AB")
    matches = services.match_companies(typed)
    assert [company.name for company in matches.companies] == expected
    assert (matches.single is not None) == (len(expected) == 1)


def test_company_matching_says_when_there_are_more(factories):
    for n in range(services.COMPANY_MATCH_LIMIT + 2):
        factories.company(name=f"Verkstad {n} AB")
    matches = services.match_companies("verkstad")
    assert len(matches.companies) == services.COMPANY_MATCH_LIMIT and matches.more and matches.single is None
