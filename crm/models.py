"""Imports every feature's models so that the mapper registry (and Alembic) sees them all."""

from crm.audit.models import AuditEntry  # noqa: F401
from crm.auth.models import LoginAttempt, User, UserSession  # noqa: F401
from crm.companies.models import Company, CompanyContact, CompanySni, ContactPerson, Tag, Topic  # noqa: F401
from crm.events.models import DietaryNeed, Event, EventSeries, Invitation  # noqa: F401
from crm.events.registration_models import Registration, RegistrationAttempt, RegistrationPage  # noqa: F401
from crm.feeds.models import FeedToken  # noqa: F401
from crm.followups.models import FollowUp  # noqa: F401
from crm.imports.models import ImportJob  # noqa: F401
from crm.inbox.models import InboxMessage, KnownAddress  # noqa: F401
from crm.mail.models import OutboxMessage  # noqa: F401
from crm.meetings.models import Interaction  # noqa: F401
from crm.networks.models import Network, NetworkMembership  # noqa: F401
from crm.plan.models import RegisterCount, StoredSuggestion, VisitPlan  # noqa: F401
from crm.privacy.models import AccessRequest, PrivacyText  # noqa: F401
from crm.retention.models import RetentionItem, RetentionLogEntry, RetentionProposal, RetentionRule  # noqa: F401
from crm.scheduler.models import SchedulerHeartbeat, SchedulerRun  # noqa: F401
from crm.sso.models import RoleMapping, SsoIdentity, SsoSettings  # noqa: F401
from crm.visits.models import Visit, VisitNote  # noqa: F401
