"""Category lists from DOMAIN.md. Stable codes are stored; Swedish labels are shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    FEMALE = "female", _("Kvinna")
    MALE = "male", _("Man")
    OTHER = "other", _("Annat/ej angivet")


class ReferringAuthority(models.TextChoices):
    FORSAKRINGSKASSAN = "forsakringskassan", _("Försäkringskassan")
    ARBETSFORMEDLINGEN = "arbetsformedlingen", _("Arbetsförmedlingen")
    MUNICIPALITY = "municipality", _("Kommunen/socialtjänsten")
    REGION = "region", _("Regionen/hälso- och sjukvården")
    SELF = "self", _("Egen anmälan")
    OTHER = "other", _("Annan")


class SupportSource(models.TextChoices):
    """Försörjningskälla (Finsam's försörjningsmått plus our additions)."""

    SICKNESS_BENEFIT = "sickness_benefit", _("Sjukpenning inkl. rehabiliteringspenning")
    ACTIVITY_COMPENSATION = "activity_compensation", _("Aktivitetsersättning")
    SICKNESS_COMPENSATION = "sickness_compensation", _("Sjukersättning")
    UNEMPLOYMENT_INSURANCE = "unemployment_insurance", _("A-kassa")
    ACTIVITY_SUPPORT = "activity_support", _("Aktivitetsstöd inkl. utvecklingsersättning")
    ESTABLISHMENT = "establishment", _("Etableringsersättning")
    SOCIAL_ASSISTANCE = "social_assistance", _("Försörjningsstöd (ekonomiskt bistånd)")
    SALARY = "salary", _("Lön")
    STUDY_GRANT = "study_grant", _("Studiemedel")
    OTHER = "other", _("Annan")
    NONE = "none", _("Ingen offentlig försörjning")


class SupportSourceGroup(models.TextChoices):
    ILL_HEALTH = "ill_health", _("Ohälsa")
    LABOUR_MARKET = "labour_market", _("Arbetsmarknadsstöd")
    SOCIAL_ASSISTANCE = "social_assistance", _("Ekonomiskt bistånd")
    OTHER = "other", _("Övrigt")


SUPPORT_SOURCE_GROUPS: dict[str, list[str]] = {
    SupportSourceGroup.ILL_HEALTH: [
        SupportSource.SICKNESS_BENEFIT,
        SupportSource.ACTIVITY_COMPENSATION,
        SupportSource.SICKNESS_COMPENSATION,
    ],
    SupportSourceGroup.LABOUR_MARKET: [
        SupportSource.UNEMPLOYMENT_INSURANCE,
        SupportSource.ACTIVITY_SUPPORT,
        SupportSource.ESTABLISHMENT,
    ],
    SupportSourceGroup.SOCIAL_ASSISTANCE: [SupportSource.SOCIAL_ASSISTANCE],
    SupportSourceGroup.OTHER: [
        SupportSource.SALARY,
        SupportSource.STUDY_GRANT,
        SupportSource.OTHER,
        SupportSource.NONE,
    ],
}


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("Arbetslös")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _("Långtidsarbetslös (12 månader eller mer)")
    ON_SICK_LEAVE = "on_sick_leave", _("Sjukskriven")
    INACTIVE = "inactive", _("Inaktiv (söker inte arbete, studerar inte)")
    STUDYING = "studying", _("Studerande")
    EMPLOYED = "employed", _("Anställd (inkl. egen företagare)")
    EMPLOYED_WITH_SUPPORT = (
        "employed_with_support",
        _("Anställd med stöd (lönebidrag, nystartsjobb, skyddat arbete)"),
    )


class Education(models.TextChoices):
    PRIMARY = "primary", _("Förgymnasial (ISCED 0–2)")
    SECONDARY = "secondary", _("Gymnasial (ISCED 3–4)")
    TERTIARY = "tertiary", _("Eftergymnasial (ISCED 5–8)")
    UNKNOWN = "unknown", _("Okänd")


class TimeInSupport(models.TextChoices):
    UNDER_1 = "under_1", _("Under 1 år")
    Y1_2 = "1_2", _("1–2 år")
    Y2_5 = "2_5", _("2–5 år")
    OVER_5 = "over_5", _("Över 5 år")
    UNKNOWN = "unknown", _("Okänd")


class EndReason(models.TextChoices):
    PLANNED = "planned", _("Planerat avslut")
    OWN_REQUEST = "own_request", _("Avbrott: egen begäran")
    ILL_HEALTH = "ill_health", _("Avbrott: ohälsa")
    MOVED = "moved", _("Avbrott: flytt")
    OTHER_INTERRUPTION = "other_interruption", _("Avbrott: annat")
    REGISTRATION_ERROR = "registration_error", _("Felregistrering")


INTERRUPTION_REASONS = [
    EndReason.OWN_REQUEST,
    EndReason.ILL_HEALTH,
    EndReason.MOVED,
    EndReason.OTHER_INTERRUPTION,
]


class Outcome(models.TextChoices):
    """Outcome after end, in the SUS report groups."""

    WORK = "work", _("Förvärvsarbete utan subvention")
    WORK_SUBSIDISED = "work_subsidised", _("Förvärvsarbete med subvention")
    STUDIES = "studies", _("Studier")
    JOB_SEEKING = "job_seeking", _("Aktivt arbetssökande")
    OTHER_INTERVENTION = "other_intervention", _("Annan insats/arbetsförberedande insats")
    ILL_HEALTH = "ill_health", _("Ohälsa")
    PARENTAL_LEAVE = "parental_leave", _("Föräldraledig")
    MOVED = "moved", _("Flyttat")
    UNKNOWN = "unknown", _("Okänt")


class OutcomeGroup(models.TextChoices):
    WORK = "work", _("Förvärvsarbete")
    STUDIES = "studies", _("Studier")
    JOB_SEEKING = "job_seeking", _("Aktivt arbetssökande")
    OTHER = "other", _("Övriga avslutade")


OUTCOME_GROUPS: dict[str, list[str]] = {
    OutcomeGroup.WORK: [Outcome.WORK, Outcome.WORK_SUBSIDISED],
    OutcomeGroup.STUDIES: [Outcome.STUDIES],
    OutcomeGroup.JOB_SEEKING: [Outcome.JOB_SEEKING],
    OutcomeGroup.OTHER: [
        Outcome.OTHER_INTERVENTION,
        Outcome.ILL_HEALTH,
        Outcome.PARENTAL_LEAVE,
        Outcome.MOVED,
        Outcome.UNKNOWN,
    ],
}
WORK_OR_STUDIES = [Outcome.WORK, Outcome.WORK_SUBSIDISED, Outcome.STUDIES]


class AgeBand(models.TextChoices):
    UNDER_25 = "under_25", _("Under 25")
    A25_29 = "25_29", _("25–29")
    A30_54 = "30_54", _("30–54")
    A55_PLUS = "55_plus", _("55+")


class AnonymousReason(models.TextChoices):
    PROTECTED_IDENTITY = "protected_identity", _("Skyddade personuppgifter")
    NO_CONSENT = "no_consent", _("Inget samtycke")
    RETENTION = "retention", _("Gallrad efter lagringstiden")


class ConsentPurpose(models.TextChoices):
    REGISTRATION = "registration", _("Registrering och uppföljning i Samordning")
    SHARE_WITH_ENTERPRISE = (
        "share_with_enterprise",
        _("Delning av namn och anpassningar med arbetsträningsplatsen"),
    )
    FOLLOW_UP = "follow_up", _("Uppföljning efter avslut")


class InsatsOrientation(models.TextChoices):
    INDIVIDUAL = "individual", _("Individinriktad")
    STRUCTURAL = "structural", _("Strukturövergripande")


class ParkingReason(models.TextChoices):
    """Why a participant is parked: not suggested for a place until a date (funders
    see the counts per reason)."""

    AFTER_DECLINE = "after_decline", _("Efter ett avböjt förslag")
    HEALTH = "health", _("Ohälsa eller sjukskrivning")
    OTHER_ACTIVITY = "other_activity", _("Deltar i annan aktivitet eller insats")
    NOT_READY = "not_ready", _("Inte redo för arbetsträning ännu")
    LEAVE = "leave", _("Föräldraledighet eller annan ledighet")
    PERSONAL = "personal", _("Personliga skäl")
    OTHER = "other", _("Annat")


# --- ESF+ common indicators (Regulation (EU) 2021/1057, Annex I; docs/statistics.md) ----
# Stored on the enrolment in an ESF-financed insats. Every question may be answered
# "vill inte uppge"; an empty field means "not asked yet".


class EsfEmploymentSituation(models.TextChoices):
    """Labour market situation (Annex I, 1.1 and 1.3). The output indicators are
    "unemployed, including long-term unemployed" (the first two together),
    "long-term unemployed", "inactive" and "employed, including self-employed"."""

    UNEMPLOYED = "unemployed", _("Arbetslös (kortare tid)")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _("Långtidsarbetslös")
    INACTIVE = "inactive", _("Utanför arbetskraften (inaktiv)")
    EMPLOYED = "employed", _("Sysselsatt, inkl. egen företagare")
    REFUSED = "refused", _("Vill inte uppge")


ESF_UNEMPLOYED_INCL_LONG_TERM = [
    EsfEmploymentSituation.UNEMPLOYED,
    EsfEmploymentSituation.LONG_TERM_UNEMPLOYED,
]


class EsfEducation(models.TextChoices):
    """Highest completed education by ISCED 2011 (Annex I, 1.1)."""

    ISCED_0_2 = "isced_0_2", _("Förgymnasial (ISCED 0–2)")
    ISCED_3_4 = "isced_3_4", _("Gymnasial eller eftergymnasial under tre år (ISCED 3–4)")
    ISCED_5_8 = "isced_5_8", _("Eftergymnasial (ISCED 5–8)")
    REFUSED = "refused", _("Vill inte uppge")


class EsfAnswer(models.TextChoices):
    """Yes/no questions of the indicators, with the participant's right not to answer."""

    YES = "yes", _("Ja")
    NO = "no", _("Nej")
    REFUSED = "refused", _("Vill inte uppge")
