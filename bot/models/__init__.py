"""Database tables. Times are naive UTC everywhere; conversion to patient-local time happens at the edge.

One module per area; importing this package imports them all, so `Base.metadata` (Alembic's
target) always holds every table, and `from bot.models import Outbox` works from anywhere."""
from bot.models.access import ApiToken, AuditLog, Heartbeat, LoginSession, User
from bot.models.base import Base
from bot.models.care_team import Coordinator, Escalation, OnCallOverride, OnCallShift, ReviewItem
from bot.models.patients import Clinic, Enrollment, Observation, OptOut
from bot.models.texts import Inbound, Outbox, SenderPace

__all__ = ["ApiToken", "AuditLog", "Base", "Clinic", "Coordinator", "Enrollment", "Escalation", "Heartbeat", "Inbound",
           "LoginSession", "Observation", "OnCallOverride", "OnCallShift", "OptOut", "Outbox", "ReviewItem",
           "SenderPace", "User"]
