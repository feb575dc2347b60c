"""Signing in through the IdP: the identity it vouched for becomes a user with the role its groups give.

Never reads `request`, never commits: the views do, once.
"""

from __future__ import annotations

import logging
import secrets as token_secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select

from crm.audit.mixins import record
from crm.auth import services as auth_services
from crm.auth.models import Role, User
from crm.extensions import db
from crm.sso import settings
from crm.sso.models import RoleMapping, SsoIdentity
from crm.timeutil import utcnow

log = logging.getLogger(__name__)

# The highest matching role wins.
RANK = {Role.ADMIN: 4, Role.STAFF: 3, Role.ORGANIZER: 2, Role.POLITICIAN: 1}


@dataclass(frozen=True)
class Identity:
    """What the IdP said about the person, already verified by the protocol layer."""

    protocol: str  # oidc or saml
    issuer: str  # for Entra ID: entra:<tid>
    subject: str  # for Entra ID: the oid
    email: str
    name: str
    groups: frozenset[str] = field(default_factory=frozenset)  # immutable ids: group object ids, app role values


class SignInRefused(Exception):
    """The IdP vouched for the person, but this system will not let them in. `reason` picks the page's text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def role_for(groups: Iterable[str]) -> Role | None:
    """The highest role any of these group values is mapped to; None when none is mapped."""
    values = [value for value in groups if value]
    if not values:
        return None
    roles = db.session.execute(select(RoleMapping.role).where(RoleMapping.group_value.in_(values))).scalars().all()
    return max(roles, key=RANK.__getitem__, default=None)


def sign_in(identity: Identity) -> User:
    """The user for this identity, created at the first login, its name, e-mail and role brought up to date.

    Raises SignInRefused when no group is mapped (nothing is created then) or the account is deactivated.
    Every outcome is audited.
    """
    role = role_for(identity.groups)
    link = db.session.execute(
        select(SsoIdentity).where(SsoIdentity.issuer == identity.issuer, SsoIdentity.subject == identity.subject)
    ).scalar_one_or_none()
    user = link.user if link is not None else None
    if role is None:
        _refused(identity, user, "no_role")
        raise SignInRefused("no_role")
    if user is None:
        user = _existing_local_account(identity.email) or _new_user(identity, role)
        link = SsoIdentity(user=user, protocol=identity.protocol, issuer=identity.issuer, subject=identity.subject)
        db.session.add(link)
    if not user.active:
        _refused(identity, user, "inactive")
        raise SignInRefused("inactive")
    _update_from_idp(user, identity, role)
    now = utcnow()
    user.last_login_at = link.last_login_at = now
    db.session.flush()
    record(db.session.connection(), "login", "User", user.id, actor=(user.id, user.name),
           changes={"method": [None, identity.protocol], "issuer": [None, identity.issuer],
                    "role": [None, role.value]})
    return user


def _existing_local_account(email: str) -> User | None:
    """A local account with the same address and no SSO identity yet is taken over at its first SSO login
    (its history stays); the break-glass account never is."""
    if not email or email.lower() == settings.break_glass_email():
        return None
    user = db.session.execute(User.by_email(email)).scalar_one_or_none()
    if user is None:
        return None
    linked = db.session.execute(
        select(func.count()).select_from(SsoIdentity).where(SsoIdentity.user_id == user.id)
    ).scalar_one()
    if linked:
        return None
    _no_local_password(user)  # its local password stops working
    return user


def _new_user(identity: Identity, role: Role) -> User:
    email = identity.email.strip().lower()
    if not email or auth_services.email_taken(email):
        email = f"{token_secrets.token_hex(8)}@sso.invalid"  # unique; replaced when the IdP sends a free address
    user = User(name=(identity.name or email)[:200], email=email[:254], role=role, active=True)
    _no_local_password(user)
    db.session.add(user)
    db.session.flush()
    return user


def _no_local_password(user: User) -> None:
    """A real hash of a random secret nobody is told: no password matches, and checking one takes as long as
    for any account (the break-glass page does not tell SSO accounts apart by its answer time)."""
    user.set_password(token_secrets.token_urlsafe(32))


def _update_from_idp(user: User, identity: Identity, role: Role) -> None:
    if identity.name and user.name != identity.name[:200]:
        user.name = identity.name[:200]
    email = identity.email.strip().lower()[:254]
    if email and email != user.email:
        if auth_services.email_taken(email, except_id=user.id):
            log.warning("SSO user %s: the IdP's address is another account's; the old one is kept", user.id)
        else:
            user.email = email
    if user.role != role:
        user.role = role


def _refused(identity: Identity, user: User | None, reason: str) -> None:
    actor = (user.id, user.name) if user is not None else (None, identity.email or identity.subject)
    record(db.session.connection(), "login_refused", "User", user.id if user is not None else "-", actor=actor,
           changes={"method": [None, identity.protocol], "issuer": [None, identity.issuer],
                    "subject": [None, identity.subject], "reason": [None, reason]})


def is_sso_user(user: User) -> bool:
    return db.session.execute(
        select(func.count()).select_from(SsoIdentity).where(SsoIdentity.user_id == user.id)
    ).scalar_one() > 0
