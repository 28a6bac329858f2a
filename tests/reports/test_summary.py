"""The statistics summary: the funder pages read aggregates the worker computed.

The rest of the suite runs with `STATISTICS_SUMMARY` off (the pages compute live,
so data a test creates is on the page it reads); here it is on. Tasks run at once
(the immediate backend) unless a test swaps in the dummy backend, which keeps
what is enqueued and runs nothing, as a busy worker would.
"""

import datetime
import io
import pickle
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.tasks import task_backends
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from participants.models import Insats
from reports import perturbation, summary
from reports.catalogue import INSATS_TABLES, OVERVIEW_TABLES, Report, esf_tables, finsam_followup
from reports.management.commands.run_scheduler import Scheduler
from reports.models import StatisticsSummary, SummaryKind
from reports.queries import Period
from reports.summary import SummaryKey, key_for, summary_compute
from samordning.models import AuditAction, AuditLog
from tests import factories as f
from tests.helpers import assert_each_constraint_tested
from tests.reports.pages import as_csv, as_shown, page_table, read_csv
from tests.reports.test_views import _agree
from tests.worlds.esf import build_esf
from tests.worlds.statistics import build_scaled, build_small

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("reports:overview")
YEAR_2024 = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), "2024")
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def summary_on(settings):
    settings.STATISTICS_SUMMARY = True


@pytest.fixture
def data(db):
    return build_small()


@pytest.fixture
def no_worker(settings):
    """Enqueued tasks wait (the dummy backend keeps them and runs nothing)."""
    settings.TASKS = DUMMY
    backend = task_backends["default"]
    backend.clear()
    return backend


def _rows(page_html, slug):
    return {row[0]: row[1:] for row in page_table(page_html, slug)}


def test_each_constraint_has_a_test():
    assert_each_constraint_tested("reports", __name__)


def test_constraint_statistics_summary_key_unique():
    key = key_for(YEAR_2024, None)
    fields = {"kind": key.kind, "period_start": key.start, "period_end": key.end}
    StatisticsSummary.objects.create(key=key.text, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        StatisticsSummary.objects.create(key=key.text, **fields)


@pytest.mark.parametrize("municipality", [None, "tyreso"])
def test_overview_from_the_summary_agrees_with_live_and_downloads(
    client, funder, data, municipality
):
    client.force_login(funder)
    place = getattr(data, municipality) if municipality else None
    query = "year=2024" + (f"&municipality={place.pk}" if place else "")
    response = client.get(f"{OVERVIEW}?{query}")
    assert response.status_code == 200
    row = StatisticsSummary.objects.get(key=key_for(YEAR_2024, place).text)
    assert row.kind == SummaryKind.OVERVIEW and row.municipality == place
    assert row.computed_at is not None and row.seconds is not None
    at = timezone.localtime(row.computed_at)
    assert f"Siffrorna räknades fram {at.day} " in response.text
    live = Report(YEAR_2024, municipality=place)
    for slug, builder in OVERVIEW_TABLES.items():
        table = builder(live)
        base = reverse("reports:table-export", args=[slug, "csv"])
        csv = client.get(f"{base}?{query}")
        xlsx = client.get(reverse("reports:table-export", args=[slug, "xlsx"]) + f"?{query}")
        _agree(response.text, table, csv.getvalue(), xlsx.getvalue())
    # The pages and downloads read the one row; nothing else was stored.
    assert StatisticsSummary.objects.count() == 1


def test_insats_page_from_the_summary_agrees_with_live_and_downloads(client, funder, data):
    client.force_login(funder)
    url = reverse("reports:insats-detail", args=[data.mia.pk])
    response = client.get(f"{url}?year=2024")
    assert response.status_code == 200
    assert "Siffrorna räknades fram" in response.text
    live = Report(YEAR_2024, insats=data.mia)
    for slug, builder in INSATS_TABLES.items():
        args = [data.mia.pk, slug]
        csv = client.get(reverse("reports:insats-table-export", args=[*args, "csv"]) + "?year=2024")
        xlsx = client.get(
            reverse("reports:insats-table-export", args=[*args, "xlsx"]) + "?year=2024"
        )
        _agree(response.text, builder(live), csv.getvalue(), xlsx.getvalue())
    row = StatisticsSummary.objects.get()
    assert (row.kind, row.insats) == (SummaryKind.INSATS, data.mia)


def test_the_development_page_reads_the_overview_summary(client, funder, data):
    client.force_login(funder)
    client.get(f"{OVERVIEW}?year=2024")
    StatisticsSummary.objects.update(results=summary._dumps({}))  # answers nothing now
    # A row that cannot answer the builders counts as missing: computed again, then shown.
    response = client.get(reverse("reports:development") + "?year=2024")
    assert response.status_code == 200
    assert "Siffrorna räknades fram" in response.text
    assert page_table(response.text, "foretag-tillvaxt")


def test_a_fresh_row_is_read_not_recomputed(client, funder, data, settings):
    settings.STATISTICS_PERTURBATION = False  # exact counts, to see one more person
    client.force_login(funder)
    before = _rows(client.get(f"{OVERVIEW}?year=2024").text, "deltagare-kon")["Totalt"]
    f.EnrolmentFactory(insats=data.mia, start_date=datetime.date(2024, 3, 1))
    # The row is fresh: the page shows what was computed, with its time.
    assert _rows(client.get(f"{OVERVIEW}?year=2024").text, "deltagare-kon")["Totalt"] == before
    # Stale (2024 ended before it was computed: older than a day): shown once more while
    # it is recomputed...
    StatisticsSummary.objects.update(computed_at=timezone.now() - datetime.timedelta(days=2))
    client.get(f"{OVERVIEW}?year=2024")
    row = StatisticsSummary.objects.get()
    assert timezone.now() - row.computed_at < datetime.timedelta(minutes=5)
    assert row.requested_at is None
    # ...and the next reader sees the new person.
    after = _rows(client.get(f"{OVERVIEW}?year=2024").text, "deltagare-kon")["Totalt"]
    assert int(after[1]) == int(before[1]) + 1


def test_max_age_running_and_ended_periods(settings):
    settings.STATISTICS_SUMMARY_MAX_AGE_MINUTES = 60
    settings.STATISTICS_SUMMARY_PAST_MAX_AGE_HOURS = 24
    key = key_for(YEAR_2024, None)
    during = timezone.make_aware(datetime.datetime(2024, 6, 1, 12))
    after = timezone.make_aware(datetime.datetime(2025, 1, 2, 12))
    assert summary.max_age(key, during) == datetime.timedelta(minutes=60)
    # Computed after the period ended: fresh a day.
    assert summary.max_age(key, after) == datetime.timedelta(hours=24)
    row = StatisticsSummary(key=key.text, computed_at=after, version=summary.SUMMARY_VERSION)
    assert summary.is_fresh(row, key, after + datetime.timedelta(hours=23))
    assert not summary.is_fresh(row, key, after + datetime.timedelta(hours=25))
    row.version = summary.SUMMARY_VERSION + 1
    assert not summary.is_fresh(row, key, after)


def test_without_a_row_the_page_says_it_is_computing(client, funder, data, no_worker):
    client.force_login(funder)
    url = f"{OVERVIEW}?year=2024&quarter=2"
    response = client.get(url)
    assert response.status_code == 202
    assert "<h1>Statistiken räknas fram</h1>" in response.text
    assert 'href="/statistik/?year=2024&amp;quarter=2"' in response.text
    assert "<table" not in response.text
    (result,) = no_worker.results
    assert result.task.name == "compute_statistics_summary"
    assert result.kwargs["start"] == "2024-04-01" and result.kwargs["end"] == "2024-06-30"
    # Another reader of the same key does not enqueue it again.
    assert client.get(url).status_code == 202
    assert len(no_worker.results) == 1
    # A download waits for the page too.
    export = reverse("reports:table-export", args=["deltagare-kon", "csv"])
    response = client.get(f"{export}?year=2024&quarter=2")
    assert response.status_code == 302
    assert response["Location"] == f"{OVERVIEW}?year=2024&quarter=2"
    # A lost task (the request is old) is asked for again.
    StatisticsSummary.objects.update(requested_at=timezone.now() - datetime.timedelta(hours=1))
    client.get(url)
    assert len(no_worker.results) == 2
    # The worker runs it: the page shows the figures.
    summary_compute(key=SummaryKey.from_task_args(**no_worker.results[0].kwargs))
    response = client.get(url)
    assert response.status_code == 200
    assert "Siffrorna räknades fram" in response.text


def test_the_insats_page_and_its_download_while_computing(client, funder, data, no_worker):
    client.force_login(funder)
    url = reverse("reports:insats-detail", args=[data.mia.pk])
    response = client.get(f"{url}?year=2024")
    assert response.status_code == 202
    assert "Statistiken räknas fram" in response.text
    export = reverse("reports:insats-table-export", args=[data.mia.pk, "insats-kon", "csv"])
    assert client.get(f"{export}?year=2024")["Location"] == f"{url}?year=2024"


def test_a_row_of_other_code_is_computed_again(client, funder, data):
    client.force_login(funder)
    key = key_for(YEAR_2024, None)
    summary_compute(key=key)
    StatisticsSummary.objects.update(version=0, results=b"not a pickle")
    response = client.get(f"{OVERVIEW}?year=2024")
    assert response.status_code == 200
    assert StatisticsSummary.objects.get().version == summary.SUMMARY_VERSION


def test_a_stored_row_runs_no_code():
    class Sneaky:
        def __reduce__(self):
            return (print, ("hello",))

    assert summary._loads(pickle.dumps({"x": Sneaky()})) is None
    assert summary._loads(summary._dumps({"x": [datetime.date(2024, 1, 1)]})) == {
        "x": [datetime.date(2024, 1, 1)]
    }


# GET /statistik/?year=2024 with its summary stored, at most 9 queries whatever the data:
#  1 session, 2 user, 3 SAVEPOINT, 4 the user's groups (roles), 5 the summary row,
#  6 the insats list, 7 the municipality choices in the filter, 8 RELEASE SAVEPOINT.
SUMMARY_OVERVIEW_QUERIES = 8
# GET /statistik/insats/<pk>/?year=2024: the same with 5 the insats, no insats list.
SUMMARY_INSATS_QUERIES = 8
# GET /statistik/tabell/<slug>.csv?year=2024: session, user, SAVEPOINT, groups, the
# summary row, RELEASE (no municipality chosen: the filter looks none up).
SUMMARY_EXPORT_QUERIES = 6


@pytest.mark.parametrize("size", ["small", "large"])
def test_query_counts_are_constant(client, funder, size, django_assert_max_num_queries):
    if size == "small":
        build_small()
    else:
        build_scaled(20)
    insats = Insats.objects.get(name="MIA")
    summary_compute(key=key_for(YEAR_2024, None))
    summary_compute(key=key_for(YEAR_2024, None, insats))
    client.force_login(funder)
    with django_assert_max_num_queries(SUMMARY_OVERVIEW_QUERIES):
        assert client.get(f"{OVERVIEW}?year=2024").status_code == 200
    with django_assert_max_num_queries(SUMMARY_INSATS_QUERIES):
        url = reverse("reports:insats-detail", args=[insats.pk])
        assert client.get(f"{url}?year=2024").status_code == 200
    for slug in ("platser", "placeringslangd", "deltagare-kon"):
        with django_assert_max_num_queries(SUMMARY_EXPORT_QUERIES):
            url = reverse("reports:table-export", args=[slug, "csv"])
            assert client.get(f"{url}?year=2024").status_code == 200


def test_the_round_computes_the_common_keys_once(data, settings):
    today = timezone.localdate()
    keys = list(summary.common_keys(today))
    insatser = Insats.objects.count()
    periods = summary.common_periods(today)
    # This year with its quarters so far, last year with all four.
    assert len(periods) == 2 + (today.month - 1) // 3 + 1 + 4
    assert len(keys) == len(periods) * (1 + insatser)
    assert summary.refresh_due() == len(keys)
    assert StatisticsSummary.objects.filter(results__isnull=False).count() == len(keys)
    # Everything fresh: the next round asks for nothing.
    assert summary.refresh_due() == 0
    # An on-demand row nobody computed for a month is forgotten; a common one is kept.
    old = timezone.now() - datetime.timedelta(days=settings.STATISTICS_SUMMARY_KEEP_DAYS + 1)
    summary_compute(key=key_for(YEAR_2024, data.tyreso))
    StatisticsSummary.objects.update(computed_at=old)
    assert summary.refresh_due() == len(keys)  # the common ones are stale now
    assert not StatisticsSummary.objects.filter(key=key_for(YEAR_2024, data.tyreso).text)
    assert StatisticsSummary.objects.count() == len(keys)


def test_the_scheduler_runs_the_statistics_round_every_interval(db, settings, no_worker):
    settings.STATISTICS_SUMMARY_ROUND_MINUTES = 15
    settings.DIGEST_HOUR = 25  # no digests in this test
    scheduler = Scheduler(interval=60)
    now = timezone.now()
    assert "refresh_statistics" in scheduler.tick(now)
    assert "refresh_statistics" not in scheduler.tick(now + datetime.timedelta(minutes=14))
    assert "refresh_statistics" in scheduler.tick(now + datetime.timedelta(minutes=15))
    names = [result.task.name for result in no_worker.results]
    assert names.count("refresh_statistics") == 2
    settings.STATISTICS_SUMMARY = False
    assert "refresh_statistics" not in scheduler.tick(now + datetime.timedelta(hours=1))


def test_refresh_statistics_command(data, no_worker):
    out = StringIO()
    call_command("refresh_statistics", stdout=out)
    keys = list(summary.common_keys(timezone.localdate()))
    assert f"{len(keys)} summaries in" in out.getvalue()
    assert StatisticsSummary.objects.filter(results__isnull=False).count() == len(keys)
    out = StringIO()
    StatisticsSummary.objects.update(computed_at=timezone.now() - datetime.timedelta(days=2))
    call_command("refresh_statistics", "--due", stdout=out)
    assert f"{len(keys)} summaries enqueued" in out.getvalue()
    assert len(no_worker.results) == len(keys)


def test_a_summary_of_a_deleted_insats_goes_with_it(data):
    insats = f.InsatsFactory(name="Kort")
    summary_compute(key=key_for(YEAR_2024, None, insats))
    insats.delete()
    assert not StatisticsSummary.objects.exists()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2024-01-01", "2024-12-31"),
        ("2024-04-01", "2024-06-30"),
        ("2024-10-01", "2024-12-31"),
        ("2024-02-10", "2024-05-20"),
        ("2023-01-01", "2024-12-31"),
        ("2024-01-01", "2024-03-30"),
    ],
)
@pytest.mark.parametrize("with_municipality", [False, True])
def test_the_stored_download_links_choose_the_same_key(data, start, end, with_municipality):
    from django.http import QueryDict

    from reports.forms import PeriodForm

    place = data.tyreso if with_municipality else None
    period = Period(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end), "")
    key = key_for(period, place)
    form = PeriodForm.from_query(QueryDict(summary.canonical_query(key)))
    chosen = form.period_and_municipality()
    assert chosen is not None
    assert key_for(*chosen) == key


def test_the_stored_tables_follow_the_language(client, funder, data):
    summary_compute(key=key_for(YEAR_2024, None))
    row = StatisticsSummary.objects.get()
    assert set(row.html) == {"sv", "en-gb"}
    assert "Deltagare per kön" in row.html["sv"]
    assert "Participants by gender" in row.html["en-gb"]
    client.force_login(funder)
    swedish = client.get(f"{OVERVIEW}?year=2024")
    assert "Deltagare per kön" in swedish.text
    assert "Participants by gender" not in swedish.text
    # The links in the stored tables keep the period (a canonical query for the key).
    assert "deltagare-kon.csv?year=2024" in swedish.text
    english = Client(headers={"accept-language": "en"})
    english.force_login(funder)
    language = translation.get_language()
    try:
        response = english.get(f"{OVERVIEW}?year=2024")
    finally:
        translation.activate(language)  # the request leaves English active in this thread
    assert '<html lang="en-gb">' in response.text
    assert "Participants by gender" in response.text
    assert "Deltagare per kön" not in response.text


def test_a_full_queue_takes_no_more_keys(client, funder, data, no_worker, monkeypatch):
    monkeypatch.setattr(summary, "MAX_PENDING", 2)
    client.force_login(funder)
    for quarter in (1, 2, 3):
        response = client.get(f"{OVERVIEW}?year=2024&quarter={quarter}")
        assert response.status_code == 202
    # Two keys wait; the third was not queued (its reader reloads later).
    assert len(no_worker.results) == 2
    assert StatisticsSummary.objects.count() == 2
    # Once the worker has done one, the third is taken.
    summary_compute(key=SummaryKey.from_task_args(**no_worker.results[0].kwargs))
    assert client.get(f"{OVERVIEW}?year=2024&quarter=3").status_code == 202
    assert len(no_worker.results) == 3


# --- the ESF+ and Finsam pages read the per-insats and the overview's rows -----------


def _shows(page_html, table):
    """The page shows `table`'s figures (a page's context would also hold the tables a
    computation in the same request rendered: read the page itself)."""
    return page_table(page_html, table.slug) == [
        [as_shown(v) for v in row] for row in table.export_rows()
    ]


def _esf_sheets(response):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.getvalue()))
    return {name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames}


def _esf_world(world):
    """The hand-counted ESF+ world (tiny: every funder cell is hidden), or the scaled one
    with MIA ESF-financed (large enough for published, perturbed counts)."""
    if world == "hand":
        return build_esf().insats
    build_scaled(20)
    Insats.objects.filter(name="MIA").update(esf_funded=True)
    return Insats.objects.get(name="MIA")


@pytest.mark.parametrize("world", ["hand", "scaled"])
@pytest.mark.parametrize("exact", [False, True])
def test_esf_page_from_the_summary_agrees_with_live(client, funder, admin_user, world, exact):
    insats = _esf_world(world)
    client.force_login(admin_user if exact else funder)
    name = "reports:esf-exact" if exact else "reports:esf"
    response = client.get(reverse(name, args=[insats.pk]), {"year": 2024})
    assert response.status_code == 200
    assert "Siffrorna räknades fram" in response.text
    # The per-insats page's row holds the ESF+ answers: no other row was made.
    row = StatisticsSummary.objects.get()
    assert (row.kind, row.insats) == (SummaryKind.INSATS, insats)
    live = esf_tables(insats, YEAR_2024, exact=exact)
    assert all(_shows(response.text, table) for table in live)
    if exact or world == "scaled":  # (the hand-counted world's funder cells are all hidden)
        assert any(cell.value for t in live for r in t.rows for cell in r.cells)
    download = client.get(reverse(f"{name}-export", args=[insats.pk]), {"year": 2024})
    sheets = _esf_sheets(download)
    for table in live:
        assert sheets[table.slug][1:] == [tuple(r) for r in table.export_rows()]
    looks = AuditLog.objects.filter(user=admin_user, object_repr=insats.name)
    assert looks.count() == (2 if exact else 0)  # the page and the download, both logged


def test_finsam_page_from_the_summary_agrees_with_live(client, admin_user, data):
    client.force_login(admin_user)
    response = client.get(reverse("reports:finsam-followup"), {"year": 2024})
    assert response.status_code == 200
    assert "Siffrorna räknades fram" in response.text
    # The overview's row holds the Finsam answers too.
    row = StatisticsSummary.objects.get()
    assert (row.kind, row.insats) == (SummaryKind.OVERVIEW, None)
    live = finsam_followup(YEAR_2024)
    assert _shows(response.text, live)
    assert live.export_rows() == [["Arbetsträning ASF", 1, 0, 0, 1], ["MIA", 5, 5, 1, 11]]
    csv = client.get(reverse("reports:finsam-export", args=["csv"]), {"year": 2024})
    rows = read_csv(csv.getvalue())
    assert rows[1:] == [[as_csv(v) for v in row] for row in live.export_rows()]
    assert AuditLog.objects.filter(action=AuditAction.VIEW, user=admin_user).count() == 2
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, user=admin_user).count() == 2


def test_esf_and_finsam_pages_show_a_fresh_row_then_a_stale_one_once(client, admin_user):
    world = build_esf()
    esf_url = reverse("reports:esf-exact", args=[world.insats.pk])
    finsam_url = reverse("reports:finsam-followup")
    client.force_login(admin_user)

    def figures():
        esf = page_table(client.get(esf_url, {"year": 2024}).text, "esf-start-exakt")
        finsam = page_table(client.get(finsam_url, {"year": 2024}).text, "uppfoljning-finsam")
        return esf[0][-1], finsam[0][-1]  # started in 2024; in the ESF+ insats in 2024

    assert figures() == ("3", "4")
    f.EnrolmentFactory(insats=world.insats, start_date=datetime.date(2024, 3, 1))
    # Fresh rows: what was computed, as the overview does.
    assert figures() == ("3", "4")
    # Stale (computed more than a day after 2024 ended): shown once more while each is
    # recomputed, then the new person is there.
    StatisticsSummary.objects.update(computed_at=timezone.now() - datetime.timedelta(days=2))
    assert figures() == ("3", "4")
    assert all(
        timezone.now() - row.computed_at < datetime.timedelta(minutes=5)
        for row in StatisticsSummary.objects.all()
    )
    assert figures() == ("4", "5")


def test_esf_and_finsam_pages_while_computing(client, admin_user, funder, no_worker):
    world = build_esf()
    client.force_login(admin_user)
    for name in ("reports:esf", "reports:esf-exact"):
        url = reverse(name, args=[world.insats.pk])
        response = client.get(url, {"year": 2024})
        assert response.status_code == 202
        assert "<h1>Statistiken räknas fram</h1>" in response.text
        download = client.get(reverse(f"{name}-export", args=[world.insats.pk]), {"year": 2024})
        assert download["Location"] == f"{url}?year=2024"
    response = client.get(reverse("reports:finsam-followup"), {"year": 2024})
    assert response.status_code == 202
    download = client.get(reverse("reports:finsam-export", args=["csv"]), {"year": 2024})
    assert download["Location"] == reverse("reports:finsam-followup") + "?year=2024"
    # Nothing exact was seen: nothing logged. One computation per key asked for.
    assert not AuditLog.objects.exists()
    kinds = sorted(result.kwargs["kind"] for result in no_worker.results)
    assert kinds == [SummaryKind.INSATS, SummaryKind.OVERVIEW]


def test_a_row_without_esf_answers_is_computed_again(client, funder, data):
    # Computed while MIA was not ESF-financed: the row has no ESF+ answers.
    summary_compute(key=key_for(YEAR_2024, None, data.mia))
    Insats.objects.filter(pk=data.mia.pk).update(esf_funded=True)
    client.force_login(funder)
    response = client.get(reverse("reports:esf", args=[data.mia.pk]), {"year": 2024})
    assert response.status_code == 200
    live = esf_tables(Insats.objects.get(pk=data.mia.pk), YEAR_2024, exact=False)
    assert all(_shows(response.text, table) for table in live)


def test_the_development_page_builds_no_perturbed_table(client, funder, data, monkeypatch):
    summary_compute(key=key_for(YEAR_2024, None))

    def no_ptable():
        raise AssertionError("the development page loaded the ptable")

    # Its three tables count enterprises, hours and places, never people: a request
    # that built (or checked) the overview's other tables loaded the ptable, 0.4 s in
    # a fresh worker at national scale.
    monkeypatch.setattr(perturbation, "ptable", no_ptable)
    client.force_login(funder)
    response = client.get(reverse("reports:development"), {"year": 2024})
    assert response.status_code == 200
    assert page_table(response.text, "foretag-tillvaxt")


# From the summary, whatever the data (SAVEPOINT and RELEASE: ATOMIC_REQUESTS):
# GET /statistik/esf/<pk>/?year=2024: 1 session, 2 user, 3 SAVEPOINT, 4 groups, 5 the
# insats, 6 the summary row, 7 the municipality choices, 8 RELEASE SAVEPOINT.
SUMMARY_ESF_QUERIES = 8
# GET /statistik/esf/<pk>/exakt/?year=2024: the same and the audit row.
SUMMARY_ESF_EXACT_QUERIES = 9
# GET /statistik/uppfoljning-finsam/?year=2024: session, user, SAVEPOINT, groups, the
# overview's summary row, the insatser named in the table and their audit rows (one
# insert), the municipality choices, RELEASE.
SUMMARY_FINSAM_QUERIES = 9
# GET /statistik/foretagsutveckling/?year=2024: session, user, SAVEPOINT, groups, the
# overview's summary row, the municipality choices, RELEASE.
SUMMARY_DEVELOPMENT_QUERIES = 7


@pytest.mark.parametrize("size", ["small", "large"])
def test_esf_finsam_and_development_query_counts_are_constant(
    client, funder, admin_user, size, django_assert_max_num_queries
):
    if size == "small":
        build_small()
    else:
        build_scaled(20)
    Insats.objects.filter(name="MIA").update(esf_funded=True)
    insats = Insats.objects.get(name="MIA")
    summary_compute(key=key_for(YEAR_2024, None))
    summary_compute(key=key_for(YEAR_2024, None, insats))
    client.force_login(funder)
    with django_assert_max_num_queries(SUMMARY_ESF_QUERIES):
        url = reverse("reports:esf", args=[insats.pk])
        assert client.get(f"{url}?year=2024").status_code == 200
    with django_assert_max_num_queries(SUMMARY_DEVELOPMENT_QUERIES):
        assert client.get(reverse("reports:development") + "?year=2024").status_code == 200
    client.force_login(admin_user)
    with django_assert_max_num_queries(SUMMARY_ESF_EXACT_QUERIES):
        url = reverse("reports:esf-exact", args=[insats.pk])
        assert client.get(f"{url}?year=2024").status_code == 200
    with django_assert_max_num_queries(SUMMARY_FINSAM_QUERIES):
        url = reverse("reports:finsam-followup")
        assert client.get(f"{url}?year=2024").status_code == 200
