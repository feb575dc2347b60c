"""The record of processing (GDPR art. 30), generated from the gallring plan, the privacy texts, what the
database holds and the app's configuration: the DPO reads and prints it, nobody writes it by hand.

Configuration is described, never copied: no password, secret or key is read into it, and the database
is named by its kind, host and name only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from crm.audit.models import AuditEntry
from crm.auth.models import Role, User
from crm.companies.models import Company, CompanyContact, ContactPerson
from crm.events.models import DietaryNeed, Invitation
from crm.events.registration_models import Registration
from crm.extensions import db
from crm.followups.models import FollowUp
from crm.mail.models import OutboxMessage
from crm.meetings.models import Interaction
from crm.networks.models import NetworkMembership
from crm.privacy.texts import privacy_text
from crm.retention.plan import PlanLine, described_plan
from crm.sso.settings import oidc, saml
from crm.timeutil import utcnow
from crm.visits.models import Visit


@dataclass(frozen=True)
class Item:
    """One line of the record: a heading and a plain-Swedish text (and, for data, how many records now)."""

    title: str
    text: str
    count: int | None = None


@dataclass(frozen=True)
class ProcessingRecord:
    organisation: str
    generated_at: datetime
    controller: str
    purposes: str
    legal_basis: str
    recipients: str
    people: list[Item]
    data: list[Item]
    transfers: str
    retention: list[PlanLine]
    safeguards: list[Item]


def processing_record() -> ProcessingRecord:
    config = current_app.config
    return ProcessingRecord(
        organisation=config["ORGANISATION_NAME"],
        generated_at=utcnow(),
        controller=privacy_text("controller"),
        purposes=privacy_text("purposes"),
        legal_basis=privacy_text("legal_basis"),
        recipients=privacy_text("recipients"),
        people=people(),
        data=data_categories(),
        transfers=_("Systemet för inte över personuppgifter till länder utanför EU/EES. E-post lämnas till "
                    "den e-postserver som anges under skyddsåtgärder; om kommunens drift- eller e-postleverantör "
                    "överför uppgifter framgår det av kommunens avtal med leverantören."),
        retention=described_plan(),
        safeguards=safeguards(config),
    )


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _sole_traders():
    """Companies whose number is a personnummer: its month digits are 01-12 (an organisation's are 20 or more)."""
    month = func.substr(Company.org_number, 3, 2)
    return select(Company.id).where(Company.org_number.is_not(None), month >= "01", month <= "12")


def people() -> list[Item]:
    return [
        Item(_("Kontaktpersoner på företag"),
             _("Personer som företräder ett företag: ägare, VD, HR, inköpare och andra med en roll."),
             _count(select(ContactPerson.id).where(ContactPerson.erased_at.is_(None)))),
        Item(_("Enskilda näringsidkare"),
             _("Den som driver enskild firma: företagets organisationsnummer är personens personnummer."),
             _count(_sole_traders())),
        Item(_("Gäster som anmäler sig själva"),
             _("Personer som anmäler sig till ett evenemang via den öppna anmälningssidan."),
             _count(select(Registration.id))),
        Item(_("Kommunens egna användare"),
             _("Handläggare, evenemangsansvariga, politiker och administratörer som loggar in i systemet."),
             _count(select(User.id))),
    ]


def data_categories() -> list[Item]:
    return [
        Item(_("Namn och kontaktuppgifter i arbetet"),
             _("Namn, e-postadress och telefonnummer i arbetet, och andra adresser som personen svarat från."),
             _count(select(ContactPerson.id).where(ContactPerson.erased_at.is_(None)))),
        Item(_("Roller på företag"), _("Vilken roll personen har på ett företag, med datum."),
             _count(select(CompanyContact.id))),
        Item(_("Anteckningar"),
             _("Anteckningar från möten, besök och uppföljningar. Fritext kan nämna personer; den som skriver "
               "varnas om texten ser ut att innehålla personnummer eller hälsouppgifter."),
             _count(select(Interaction.id)) + _count(select(Visit.id)) + _count(select(FollowUp.id))),
        Item(_("Svar på inbjudningar och närvaro"),
             _("Inbjudningar till evenemang, svar, plats på väntelista och närvaro; anmälningar via öppen anmälan."),
             _count(select(Invitation.id))),
        Item(_("Specialkost (hälsouppgifter)"),
             _("Känsliga uppgifter (artikel 9): hålls åtskilda från inbjudan, visas bara som antal för den som "
               "ordnar maten och raderas automatiskt efter evenemanget."),
             _count(select(DietaryNeed.id))),
        Item(_("Nätverksmedlemskap"), _("Vilka nätverk personen är med i, med roll och datum."),
             _count(select(NetworkMembership.id))),
        Item(_("Val om utskick och invändningar"),
             _("Vilka utskick personen inte vill ha, och en invändning (artikel 21) med datum och omfattning."),
             _count(select(ContactPerson.id).where(ContactPerson.objection.is_(True)))),
        Item(_("Personnummer"),
             _("Bara som organisationsnummer för en enskild firma. Det visas maskerat i listor och exporter. "
               "Kontaktpersoners personnummer registreras inte."),
             _count(_sole_traders())),
        Item(_("Skickad e-post"), _("Kopior av mejl som systemet skickat: mottagare, ämne och innehåll."),
             _count(select(OutboxMessage.id))),
        Item(_("Användarnas uppgifter och loggen"),
             _("Användarnas namn, e-post och roll, inloggningar, och en logg över vem som ändrade vad och när."),
             _count(select(AuditEntry.id))),
    ]


def safeguards(config) -> list[Item]:
    roles = {role: count for role, count in db.session.execute(
        select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role))}
    return [
        Item(_("Behörighet efter roll"),
             _("Varje sida kräver inloggning och en roll. Aktiva användare: %(admins)d administratörer, "
               "%(staff)d handläggare, %(organizers)d evenemangsansvariga, %(politicians)d politiker. "
               "Politiker och evenemangsansvariga ser inte möteslogg eller protokoll, och personnummer "
               "visas maskerade i listor och exporter.",
               admins=roles.get(Role.ADMIN, 0), staff=roles.get(Role.STAFF, 0),
               organizers=roles.get(Role.ORGANIZER, 0), politicians=roles.get(Role.POLITICIAN, 0))),
        Item(_("Logg"), _("Varje ändring, radering och inloggning loggas med vem, vad och när. Loggen gallras "
                          "enligt gallringsplanen.")),
        Item(_("Inloggning"), _sign_in()),
        Item(_("Sessioner"), _sessions(config)),
        Item(_("E-post"), _mail(config)),
        Item(_("Inkorg för kalendersvar"), _inbox(config)),
        Item(_("Databas"), _database(config)),
        Item(_("Säkerhetskopior"), _backups(config)),
    ]


def _sign_in() -> str:
    ways = [name for name, configured in (("OIDC", oidc()), ("SAML", saml())) if configured is not None]
    if ways:
        return _("Enkel inloggning via kommunens identitetsleverantör (%(ways)s). Roller följer grupperna där. "
                 "Ett reservkonto kan logga in med lösenord om inloggningen via leverantören inte fungerar.",
                 ways=" och ".join(ways))
    return _("Lösenord, lagrade som hashvärden (%(method)s). Upprepade felaktiga försök gör att varje nytt "
             "försök får vänta längre.", method=str(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))
             .split(":")[0])


def _hours(seconds: int) -> str:
    hours = seconds // 3600
    if hours and hours % 24 == 0:
        return ngettext("%(num)d dygn", "%(num)d dygn", hours // 24)
    if hours:
        return ngettext("%(num)d timme", "%(num)d timmar", hours)
    return ngettext("%(num)d minut", "%(num)d minuter", max(1, seconds // 60))


def _sessions(config) -> str:
    text = _("En inloggning upphör efter %(idle)s utan aktivitet och senast %(max)s efter inloggningen.",
             idle=_hours(int(config["SESSION_IDLE_SECONDS"])), max=_hours(int(config["SESSION_MAX_SECONDS"])))
    if config.get("SESSION_COOKIE_SECURE"):
        text += " " + _("Inloggningskakan skickas bara över krypterad förbindelse (https).")
    return text


def _mail(config) -> str:
    server = config.get("MAIL_SERVER")
    if not server:
        return _("Ingen e-postserver är inställd: mejl sparas som filer på servern och skickas inte.")
    security = config.get("MAIL_SECURITY", "none")
    if security == "tls":
        how = _("krypterad med TLS från början")
    elif security == "starttls":
        how = _("krypterad med STARTTLS")
    else:
        how = _("okrypterad (ingen TLS är inställd)")
    return _("Mejl lämnas till e-postservern %(server)s, port %(port)s, %(how)s.", server=server,
             port=config.get("MAIL_PORT"), how=how)


def _inbox(config) -> str:
    host = config.get("IMAP_HOST")
    if not host:
        return _("Ingen inkorg är inställd: systemet läser ingen e-post.")
    security = config.get("IMAP_SECURITY", "ssl")
    how = _("okrypterad") if security == "none" else _("krypterad (%(how)s)", how=security.upper())
    return _("Svar från kalenderprogram läses från %(host)s, %(how)s.", host=host, how=how)


def _database(config) -> str:
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        where = url.database or _("i minnet")
        return _("SQLite, filen %(file)s på applikationsservern.", file=Path(where).name if url.database else where)
    return _("%(kind)s på %(host)s, databasen %(name)s.", kind="PostgreSQL" if url.get_backend_name() == "postgresql"
             else url.get_backend_name(), host=url.host or "localhost", name=url.database or "")


def _backups(config) -> str:
    folder = config.get("BACKUP_FOLDER") or str(Path(current_app.instance_path) / "backups")
    return _("Hela databasen kopieras med kommandot flask backup till %(folder)s. Kopiorna innehåller "
             "personuppgifter: de förvaras krypterat utanför servern och gallras enligt kommunens rutin.",
             folder=folder)
