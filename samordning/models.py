"""Core models: the user, shared reference data and the audit log."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


class User(AbstractUser):
    """A person who logs in. Roles are Django groups (see samordning.policy)."""

    title = models.CharField(_("befattning"), max_length=100, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[misc]
        verbose_name = _("användare")  # type: ignore[assignment]
        verbose_name_plural = _("användare")  # type: ignore[assignment]
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Municipality(models.Model):
    """A kommun with its four-digit code (e.g. Haninge 0136)."""

    name = models.CharField(_("namn"), max_length=100, unique=True)
    code = models.CharField(
        _("kommunkod"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("Kommunkoden ska vara fyra siffror."))],
    )
    is_member = models.BooleanField(
        _("medlemskommun"), default=False, help_text=_("Kommunen är medlem i förbundet.")
    )

    class Meta:
        verbose_name = _("kommun")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{4}$"), name="municipality_code_four_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BusinessArea(models.Model):
    """A verksamhetsområde such as café or snickeri. Admins may add more."""

    code = models.SlugField(_("kod"), max_length=40, unique=True)
    name = models.CharField(_("namn"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("verksamhetsområde")
        verbose_name_plural = _("verksamhetsområden")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditAction(models.TextChoices):
    VIEW = "view", _("Läsning")
    REVEAL = "reveal", _("Visat fullständigt personnummer")
    EXPORT = "export", _("Export")
    CREATE = "create", _("Skapad")
    UPDATE = "update", _("Ändrad")
    DELETE = "delete", _("Borttagen")
    # A page that lists several people (a list, a grid, an admin changelist):
    # one row per page view, the people shown in `subjects`.
    LIST = "list", _("Listvisning")
    # Someone tried to register a number that is already registered.
    DUPLICATE = "duplicate", _("Dubblettförsök")


# The one change the database lets through on an audit row: its object_repr
# becomes this pseudonym (placements.privacy.pseudonym_for) when the person is
# anonymised. The triggers below (PostgreSQL) and in migration 0004 (SQLite) hold
# the same rule; every other column must stay as written.
# How many of a row's people a page lists (AuditLog.subject_ids_shown).
SUBJECTS_SHOWN = 20
AUDIT_PSEUDONYM_RE = re.compile(r"^Deltagare [0-9]+ \(anonymiserad\)$")
_AUDIT_FROZEN_COLUMNS = (
    "id",
    "at",
    "user_id",
    "action",
    "object_type",
    "object_id",
    "ip_address",
    "path",
    "detail",
    "responsible",
    "subjects",
)
_AUDIT_UPDATE_REFUSED = " OR ".join(
    [f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in _AUDIT_FROZEN_COLUMNS]
    + [f"NEW.object_repr !~ '{AUDIT_PSEUDONYM_RE.pattern}'"]
)


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    """Append-only: bulk updates and deletes are refused."""

    def to_review(self, kind: str = "") -> AuditLogQuerySet:
        """Rows an admin should look at: reads outside responsibility, reveals, exports."""
        outside = models.Q(action=AuditAction.VIEW, responsible=False)
        reveal = models.Q(action=AuditAction.REVEAL)
        export = models.Q(action=AuditAction.EXPORT)
        duplicate = models.Q(action=AuditAction.DUPLICATE)
        if kind == "all":
            return self.all()
        chosen = {
            "outside": outside,
            AuditAction.REVEAL: reveal,
            AuditAction.EXPORT: export,
            AuditAction.LIST: models.Q(action=AuditAction.LIST),
            AuditAction.DUPLICATE: duplicate,
        }
        return self.filter(chosen.get(kind, outside | reveal | export | duplicate))

    def about_subject(self, subject_id: int) -> AuditLogQuerySet:
        """Rows that show or change this person (data subject): their own rows and
        every list page that showed them. Ids are stored ",1,2," so a LIKE finds one."""
        return self.filter(subjects__contains=f",{int(subject_id)},")

    def update(self, **kwargs: Any) -> int:
        raise ValidationError(_("Granskningsloggen kan inte ändras."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("Granskningsloggen kan inte raderas."))

    def pseudonymise(self, pseudonym: str) -> int:
        """The one permitted change: when a person is anonymised after the retention
        period, their rows keep who read what and when, but name them by pseudonym.
        The database refuses any other pseudonym (see AUDIT_PSEUDONYM_RE)."""
        if not AUDIT_PSEUDONYM_RE.match(pseudonym):
            raise ValueError(f"Not an audit pseudonym: {pseudonym!r}")
        return super().update(object_repr=pseudonym)


class AuditLog(models.Model):
    """One row per read or change of personal data: who, when, what, from where.

    Rows are written once by samordning.audit and never changed: the model and
    its queryset refuse updates and deletes, and the admin is read-only.
    """

    at = models.DateTimeField(_("tidpunkt"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("användare"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    action = models.CharField(_("händelse"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("objekttyp"), max_length=60, db_index=True)
    object_id = models.CharField(_("objekt-id"), max_length=40, db_index=True)
    object_repr = models.CharField(_("objekt"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)
    path = models.CharField(_("sökväg"), max_length=300, blank=True)
    detail = models.CharField(_("detaljer"), max_length=300, blank=True)
    responsible = models.BooleanField(
        _("ansvarig vid läsningen"),
        null=True,
        help_text=_("Om användaren var ansvarig för personen när posten lästes."),
    )
    # Text, not JSON, so one LIKE finds a person on SQLite and PostgreSQL alike.
    subjects = models.TextField(
        _("personer"),
        blank=True,
        default="",
        help_text=_("Id för de deltagare som visades eller ändrades, som ”,12,15,”."),
    )

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("loggpost")
        verbose_name_plural = _("granskningslogg")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object_idx")]
        # Append-only in the database too, whoever writes: the ORM, raw SQL, psql.
        # SQLite gets the same rules from migration 0004 (it has no TRUNCATE).
        triggers = [
            pgtrigger.Protect(name="auditlog_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Protect(
                name="auditlog_no_update",
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(_AUDIT_UPDATE_REFUSED),
            ),
            pgtrigger.Trigger(
                name="auditlog_no_truncate",
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                func="RAISE EXCEPTION 'pgtrigger: Cannot truncate % table', TG_TABLE_NAME;",
            ),
        ]

    def __str__(self) -> str:
        # Never object_repr, which names the person read: this string is the admin's
        # title for the row.
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} "
            f"{self.object_type} {self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The one invariant enforced in save(): a log row is written once.
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Granskningsloggen kan inte ändras."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("Granskningsloggen kan inte raderas."))

    @property
    def subject_ids(self) -> list[int]:
        return [int(part) for part in self.subjects.split(",") if part]

    @property
    def subject_ids_shown(self) -> list[int]:
        """The first SUBJECTS_SHOWN ids, for a page: an export may name a million
        people (7 MB of ids, which the log review once rendered in a cell)."""
        head = self.subjects.split(",", SUBJECTS_SHOWN + 1)[1 : SUBJECTS_SHOWN + 1]
        return [int(part) for part in head if part.isdigit()]

    @property
    def subjects_not_shown(self) -> int:
        """How many ids subject_ids_shown leaves out."""
        return max(0, self.subjects.count(",") - 1 - SUBJECTS_SHOWN)


class AuthenticatorApp(TOTPDevice):
    """django-otp's TOTP device under a Swedish name, for the admin (upstream's names
    are hard-coded English). An admin removes one to reset a user's two-factor login."""

    class Meta:
        proxy = True
        verbose_name = _("autentiseringsapp")
        verbose_name_plural = _("autentiseringsappar")


class RecoveryCodeSet(StaticDevice):
    """django-otp's static device (the recovery codes) under a Swedish name."""

    class Meta:
        proxy = True
        verbose_name = _("uppsättning reservkoder")
        verbose_name_plural = _("uppsättningar reservkoder")


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind can be turned off in "Mina inställningar"."""

    PROPOSAL_MADE = "proposal_made", _("Nytt förslag till arbetsträning")
    PROPOSAL_ANSWERED = "proposal_answered", _("Förslag accepterat eller avböjt")
    PROPOSAL_WITHDRAWN = "proposal_withdrawn", _("Förslag återkallat")
    PLACE_FREED = "place_freed", _("En plats har blivit ledig")
    DIGEST = "digest", _("Daglig sammanfattning")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def due(self, now: datetime.datetime) -> NotificationQuerySet:
        """Unsent, not claimed by a worker right now, its pause after a failure over,
        and not yet given up on."""
        return self.filter(
            models.Q(locked_until__isnull=True) | models.Q(locked_until__lt=now),
            sent_at__isnull=True,
            next_attempt_at__lte=now,
            attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
        )


class Notification(models.Model):
    """One mail to one user, written in the same transaction as the event it tells of
    and sent by the worker after commit (samordning.notifications). `key` makes the
    event's mail unique: writing or sending it twice sends one mail. Subject and body
    carry a placement number and a link, never a name or other personal data."""

    recipient = models.ForeignKey(
        User, verbose_name=_("mottagare"), on_delete=models.PROTECT, related_name="notifications"
    )
    kind = models.CharField(_("typ"), max_length=30, choices=NotificationKind.choices)
    key = models.CharField(_("idempotensnyckel"), max_length=200, unique=True)
    subject = models.CharField(_("ämne"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("länk"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("försök"), default=0)
    last_error = models.CharField(_("senaste fel"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("nästa försök"), default=timezone.now)
    # A worker that sends claims the row until then; one that died frees it by expiry.
    locked_until = models.DateTimeField(_("upptagen till"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("avisering")
        verbose_name_plural = _("aviseringar")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="notification_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class NotificationOptOut(models.Model):
    """A kind of notification the user has turned off: none of that kind is written."""

    user = models.ForeignKey(
        User, verbose_name=_("användare"), on_delete=models.CASCADE, related_name="opt_outs"
    )
    kind = models.CharField(_("typ"), max_length=30, choices=NotificationKind.choices)

    class Meta:
        verbose_name = _("avstängd avisering")
        verbose_name_plural = _("avstängda aviseringar")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_opt_out_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"


class CalendarFeed(models.Model):
    """A user's secret calendar address. Only a hash of the token is kept: the address
    is shown once when made; revoking deletes the row, regenerating replaces it."""

    user = models.OneToOneField(
        User, verbose_name=_("användare"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(_("nyckelns hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("senast hämtad"), null=True, blank=True)

    class Meta:
        verbose_name = _("kalenderprenumeration")
        verbose_name_plural = _("kalenderprenumerationer")

    def __str__(self) -> str:
        return str(self.user)
