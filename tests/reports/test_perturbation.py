"""The perturbation module: the ONS ptable, cell-key arithmetic, threshold and switch."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from reports import perturbation
from reports.perturbation import Tally, load_ptable, perturb, ptable, ptable_path, publish


@pytest.fixture(autouse=True)
def on(settings):
    settings.STATISTICS_PERTURBATION = True
    settings.STATISTICS_PTABLE = ""
    settings.STATISTICS_THRESHOLD = 10


def test_the_ptable_is_the_one_the_ons_package_installs():
    path = ptable_path()
    assert path.name == "ptable_10_5_rule.csv"
    assert path.exists()
    table = ptable()
    assert (table.max_pcv, table.key_range) == (750, 256)


@pytest.mark.parametrize(
    ("count", "published"),
    [
        (0, None),
        (1, None),
        (4, None),
        (9, None),
        (10, 10),
        (11, 10),
        (12, 10),
        (13, 15),
        (14, 15),
        (25, 25),
        (27, 25),
        (748, 750),
        (751, 750),
        (1003, 1005),
    ],
)
def test_the_10_5_rule(count, published):
    for key in (0, 17, 255):
        assert publish(Tally(count, key)) == published


def test_below_the_threshold_is_not_published_but_is_perturbed(settings):
    assert perturb(Tally(9, 3)) == 0
    settings.STATISTICS_THRESHOLD = 0
    assert publish(Tally(9, 3)) == 0


def test_switched_off_publishes_the_exact_count(settings):
    settings.STATISTICS_PERTURBATION = False
    assert publish(Tally(3, 200)) == 3
    assert publish(Tally(12, 9)) == 12


def test_tallies_add_and_subtract_modulo_the_key_range():
    assert Tally(3, 200) + Tally(2, 100) == Tally(5, 44)
    assert Tally(5, 44) - Tally(2, 100) == Tally(3, 200)
    with pytest.raises(ValueError):
        Tally(1, 0) - Tally(2, 0)


def test_a_keyed_ptable_uses_the_cell_key(settings, tmp_path):
    path = tmp_path / "ptable.csv"
    rows = ['"pcv","ckey","pvalue"']
    rows += [f"{pcv},{ckey},{1 if ckey % 2 else 0}" for pcv in range(1, 751) for ckey in range(256)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings.STATISTICS_PTABLE = str(path)
    settings.STATISTICS_THRESHOLD = 0
    assert publish(Tally(5, 2)) == 5
    assert publish(Tally(5, 3)) == 6
    # Over 750: rows 501-750 again, as ONS does.
    assert publish(Tally(1000, 3)) == 1001


def test_a_ptable_with_another_key_range_is_refused(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text('"pcv","ckey","pvalue"\n1,0,0\n1,1,0\n', encoding="utf-8")
    with pytest.raises(ImproperlyConfigured):
        load_ptable(str(path))


def test_a_missing_package_is_a_configuration_error(monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(perturbation.importlib.metadata, "distribution", missing)
    with pytest.raises(ImproperlyConfigured):
        ptable_path()


@pytest.mark.django_db
def test_a_new_participant_gets_a_record_key_that_anonymisation_keeps(coordinator):
    from participants.models import Participant
    from placements.privacy import participant_anonymise
    from tests.factories import ParticipantFactory

    people = [ParticipantFactory() for _ in range(40)]
    keys = [Participant.objects.get(pk=p.pk).record_key for p in people]
    assert all(0 <= key <= 255 for key in keys)
    assert len(set(keys)) > 20  # random, not one default for all
    participant_anonymise(participant=people[0], user=coordinator)
    assert Participant.objects.get(pk=people[0].pk).record_key == keys[0]


@pytest.mark.django_db
def test_the_record_key_is_never_in_a_form_or_the_admin(rf, admin_user):
    from django.contrib import admin

    from participants import forms
    from participants.models import Participant

    assert not Participant._meta.get_field("record_key").editable
    for form in vars(forms).values():
        if isinstance(form, type) and hasattr(form, "base_fields"):
            assert "record_key" not in form.base_fields
    request = rf.get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[Participant]
    assert "record_key" not in model_admin.get_form(request).base_fields
    assert "record_key" not in model_admin.get_fields(request)


def test_a_web_worker_loads_the_ptable_when_it_starts():
    # gunicorn's post_worker_init runs samordning.warmup.warm_up, which runs the app's
    # warm-up: a worker's first perturbed page no longer reads the table (0.4 s).
    from samordning.warmup import warm_up

    load_ptable.cache_clear()
    warm_up()
    assert load_ptable.cache_info().currsize == 1
    assert load_ptable.cache_info().hits == 0
    ptable()
    assert load_ptable.cache_info().hits == 1
