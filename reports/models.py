"""The statistics summary: the funder pages' aggregates, computed by the worker.

A funder page at national scale aggregates millions of rows (a minute at a
million participants); it reads one `StatisticsSummary` row instead. The row
holds the answers every aggregate call of the page got when the worker ran the
page's builders (`reports.summary`): counts with their cell keys (`Tally`), from
which downloads and the pages are built by the same code as live; and the page's
tables as rendered from them per language (published, perturbed figures), so a
request for the page only sends them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import Insats
from samordning.models import Municipality


class SummaryKind(models.TextChoices):
    OVERVIEW = "overview", _("Översikt")
    INSATS = "insats", _("Insats")


class StatisticsSummary(models.Model):
    """One page's aggregates for one period, municipality and insats.

    `results` is null while the computation is only requested (`requested_at`);
    a row is rewritten in place by each computation. Derived data: deleting the
    municipality or insats deletes its rows (CASCADE), nothing else points here.
    """

    key = models.CharField(_("nyckel"), max_length=100)
    kind = models.CharField(_("sida"), max_length=20, choices=SummaryKind.choices)
    period_start = models.DateField(_("periodens början"))
    period_end = models.DateField(_("periodens slut"))
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kommun"),
    )
    insats = models.ForeignKey(
        Insats,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("insats"),
    )
    results = models.BinaryField(_("resultat"), null=True, blank=True)
    # The page's tables rendered by the worker, per language code: the request sends them.
    html = models.JSONField(_("tabeller"), default=dict, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=0)
    computed_at = models.DateTimeField(_("beräknad"), null=True, blank=True)
    seconds = models.FloatField(_("beräkningstid (s)"), null=True, blank=True)
    requested_at = models.DateTimeField(_("begärd"), null=True, blank=True)

    class Meta:
        verbose_name = _("statistiksammanställning")
        verbose_name_plural = _("statistiksammanställningar")
        constraints = [
            models.UniqueConstraint(fields=["key"], name="statistics_summary_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key
