# The SQL below is built from integers and fixed word lists, never from input.
# ruff: noqa: S608, SIM905
"""Build a national-size data set on PostgreSQL in minutes, with SQL only.

Not a test: it fills a THROWAWAY PostgreSQL database (it drops and recreates
it), runs the migrations, seeds the small demo (`seed_demo`, so the demo users
can log in and the demo pages have their usual people), then adds the national
data with `INSERT ... SELECT generate_series(...)`, one statement per table, and
finally VACUUMs and ANALYZEs. Every row passes the models' constraints.
`--participants 0` builds the demo alone (the demo-scale benchmark on PostgreSQL);
`--statistics` then computes the funder pages' statistics summary, as the worker would.

    DEBUG=1 .venv/bin/python bench/national.py \
        --database-url postgres://postgres@127.0.0.1:5432/samordning_national \
        --participants 1000000

Shape (for --participants N; the defaults are the national size):
- 290 municipalities, N/3,333 enterprises (300), N/333 offers (3,000),
  N/1,000 coordinators (1,000) and one manager per enterprise;
- N participants, 5 placements each (5 N placements), one enrolment each;
- capacity is laid out as "slots": an offer with capacity c has c slots, and a
  slot holds one placement after another, 85 over 21 years, so no offer is ever
  over capacity and no participant is over 100 %. A participant's five
  placements follow each other in one slot (about 15 months). The last
  participant in every slot is current: about 6 % are active or waiting,
  the rest ended long ago, and those who ended more than the retention period
  ago are anonymised (no name, no number), as `anonymise_expired` would;
- an enrolment per participant (insats by hash; open while current); consents,
  support sources at start and end, interests, shared snapshots for the
  placements of people still identified, one capacity change per offer;
- present days (about 70 % of weekdays) for the last --attendance-months months.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent

SLOT_LENGTH = 90  # days from one placement's planned start to the next in a slot
PER_SLOT = 85  # placements per slot (a multiple of PER_PARTICIPANT): 21 years
PER_PARTICIPANT = 5


def hash_sql(expr: str) -> str:
    """A cheap deterministic hash in [0, 65536) of an integer SQL expression: the high
    half of a 32-bit linear congruential step (no bigint overflow)."""
    return f"(((({expr}) % 4294967296) * 1103515245 + 12345) % 4294967296 / 65536)"


def H(expr: str, salt: int) -> str:  # noqa: N802  (reads like a function in SQL)
    return hash_sql(f"({expr})::bigint * 7919 + {salt * 104729}")


FIRST_NAMES = (
    "Anna Eva Maria Karin Sara Lena Emma Kerstin Ingrid Marie Fatima Amina Elin Hanna "
    "Lars Mikael Johan Anders Per Karl Erik Peter Jan Thomas Ahmed Mohammed Ali Daniel "
    "Oskar Lucas Nils Maja Alva Ebba Saga Leila Yusuf Omar Zeynep Aida"
).split()
LAST_NAMES = (
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
    "Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson "
    "Magnusson Lindström Olofsson Lindqvist Lindgren Berg Axelsson Bergström Lundberg "
    "Lind Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Hassan "
    "Ali Mohamed Ahmed Yilmaz Haddad Nguyen Kowalski Ekström Holmberg"
).split()


def sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def statements(n: int, attendance_months: int, password_hash: str) -> list[tuple[str, str]]:
    """(label, SQL) in order. Ids are offset from each table's current maximum
    (the demo's rows) through temporary tables of bases."""
    placements = n * PER_PARTICIPANT
    slots = max(1, placements // PER_SLOT)
    placements = slots * PER_SLOT
    n = placements // PER_PARTICIPANT
    offers = max(10, round(3000 * n / 1_000_000))
    enterprises = max(3, round(300 * n / 1_000_000))
    coordinators = max(5, round(1000 * n / 1_000_000))
    first = sql_array(FIRST_NAMES)
    last = sql_array(LAST_NAMES)
    # Slot s belongs to offer floor(offers * f^1.3), f a hash fraction: a few big offers.
    slot_offer = f"floor({offers} * power({H('s', 1)} / 65536.0, 1.3))::int"
    # Placement p: slot s = p / PER_SLOT, position k = p % PER_SLOT; participant j = p / 5.
    # Planned start: the slot's offset o in [0, 90), so position PER_SLOT - 2 started
    # within the last 90 days (active) and PER_SLOT - 1 starts within the next 90.
    offset = f"({H('s', 2)} % {SLOT_LENGTH})::int"
    pstart = f"(current_date - {(PER_SLOT - 2) * SLOT_LENGTH} - {offset} + k * {SLOT_LENGTH})"
    retention_days = 5 * 365
    return [
        (
            "bases",
            """
            CREATE TEMP TABLE base AS SELECT
              (SELECT coalesce(max(id), 0) FROM samordning_municipality) AS mun,
              (SELECT coalesce(max(id), 0) FROM samordning_user) AS usr,
              (SELECT coalesce(max(id), 0) FROM enterprises_enterprise) AS ent,
              (SELECT coalesce(max(id), 0) FROM enterprises_trainingoffer) AS ofr,
              (SELECT coalesce(max(id), 0) FROM participants_participant) AS par,
              (SELECT coalesce(max(id), 0) FROM participants_enrolment) AS enr,
              (SELECT coalesce(max(id), 0) FROM placements_placement) AS pla,
              (SELECT count(*) FROM samordning_municipality) AS mun_count,
              (SELECT array_agg(id ORDER BY id) FROM samordning_businessarea) AS areas,
              (SELECT array_agg(id ORDER BY id) FROM participants_insats) AS insatser,
              (SELECT id FROM auth_group WHERE name = 'coordinator') AS g_coord,
              (SELECT id FROM auth_group WHERE name = 'enterprise_manager') AS g_manager,
              (SELECT id FROM samordning_user WHERE username = 'coordinator') AS demo_coord
            """,
        ),
        (
            "municipalities",
            """
            INSERT INTO samordning_municipality (id, name, code, is_member)
            SELECT base.mun + i, 'Kommun ' || lpad(i::text, 3, '0'),
                   lpad((9000 - i)::text, 4, '0'), i % 7 = 0
            FROM base, generate_series(1, greatest(0, 290 - base.mun_count)) AS i
            """,
        ),
        (
            "users",
            f"""
            INSERT INTO samordning_user (id, password, is_superuser, username, first_name,
              last_name, email, is_staff, is_active, date_joined, title, phone)
            SELECT base.usr + i, '{password_hash}', false,
                   CASE WHEN i <= {coordinators} THEN 'koordinator' || i
                        ELSE 'foretagsledare' || (i - {coordinators}) END,
                   ({first})[1 + {H("i", 3)} % {len(FIRST_NAMES)}],
                   ({last})[1 + {H("i", 4)} % {len(LAST_NAMES)}],
                   '', false, true, now(),
                   CASE WHEN i <= {coordinators} THEN 'Koordinator' ELSE 'Verksamhetsledare' END,
                   ''
            FROM base, generate_series(1, {coordinators + enterprises}) AS i;
            INSERT INTO samordning_user_groups (user_id, group_id)
            SELECT base.usr + i,
                   CASE WHEN i <= {coordinators} THEN base.g_coord ELSE base.g_manager END
            FROM base, generate_series(1, {coordinators + enterprises}) AS i
            """,
        ),
        (
            "enterprises",
            f"""
            INSERT INTO enterprises_enterprise (id, name, org_number, legal_form, municipality_id,
              description, address, contact_name, contact_email, contact_phone, website,
              founded_year, criterion_integration, criterion_participation, criterion_reinvests,
              criterion_independent, created_at, updated_at)
            SELECT base.ent + e,
                   (ARRAY['Arbetskooperativet','Föreningen','Sociala företaget','Stiftelsen'])
                     [1 + e % 4] || ' ' || ({last})[1 + {H("e", 5)} % {len(LAST_NAMES)}]
                     || ' ' || e,
                   '80' || lpad(e::text, 8, '0'),
                   (ARRAY['economic_association','non_profit_association','svb_company',
                          'foundation'])[1 + e % 4],
                   (SELECT min(id) FROM samordning_municipality)
                     + {H("e", 6)} % (SELECT count(*) FROM samordning_municipality),
                   '', '', '', '', '', '', 1990 + e % 30, true, true, true, e % 10 <> 0,
                   now(), now()
            FROM base, generate_series(1, {enterprises}) AS e;
            INSERT INTO enterprises_enterprise_managers (enterprise_id, user_id)
            SELECT base.ent + e, base.usr + {coordinators} + e
            FROM base, generate_series(1, {enterprises}) AS e;
            INSERT INTO enterprises_enterprise_business_areas (enterprise_id, businessarea_id)
            SELECT base.ent + e, base.areas[1 + e % array_length(base.areas, 1)]
            FROM base, generate_series(1, {enterprises}) AS e;
            INSERT INTO enterprises_enterpriseagreement (enterprise_id, agreement_type,
              counterparty, valid_from, valid_to, note)
            SELECT base.ent + e, (ARRAY['lou','reserved','lov','iop'])[1 + e % 4],
                   'Arbetsförmedlingen', current_date - (e % 3000), NULL, ''
            FROM base, generate_series(1, {enterprises}) AS e;
            INSERT INTO enterprises_annualfigure (enterprise_id, year, turnover_sek, employees,
              employees_target_group)
            SELECT base.ent + e, extract(year FROM current_date)::int - y,
                   1000000 + {H("e * 10 + y", 7)} % 20000000, 5 + e % 40, (5 + e % 40) / 2
            FROM base, generate_series(1, {enterprises}) AS e, generate_series(1, 5) AS y
            """,
        ),
        (
            "offers",
            f"""
            CREATE TEMP TABLE slot_offer AS
            SELECT s, {slot_offer} AS o FROM generate_series(0, {slots - 1}) AS s;
            CREATE TEMP TABLE offer_capacity AS
            SELECT o, count(*) AS slots FROM slot_offer GROUP BY o;
            INSERT INTO enterprises_trainingoffer (id, enterprise_id, title, business_area_id,
              municipality_id, location, tasks, physical_demands, adaptations_possible,
              min_extent, max_extent, supervisor_name, supervisor_contact, capacity, status,
              free_from, price_per_day, last_confirmed, created_at, updated_at)
            SELECT base.ofr + o + 1, base.ent + 1 + o % {enterprises},
                   (ARRAY['Kök','Servering','Lager','Snickeri','Trädgård','Städ','Butik',
                          'Tvätt','Reception','Transport'])[1 + o % 10] || ' ' || (o + 1),
                   base.areas[1 + o % array_length(base.areas, 1)],
                   (SELECT municipality_id FROM enterprises_enterprise
                     WHERE id = base.ent + 1 + o % {enterprises}),
                   '', 'Arbetsuppgifter enligt överenskommelse.', '',
                   CASE WHEN o % 5 = 0 THEN 'Anpassade arbetstider och lugn miljö.' ELSE '' END,
                   25, CASE WHEN o % 4 = 0 THEN 50 ELSE 100 END, 'Handledare ' || (o + 1), '',
                   coalesce(c.slots, 0) + o % 3,
                   CASE WHEN o % 20 = 0 THEN 'paused' ELSE 'open' END,
                   current_date - o % 60, 150 + (o % 8) * 25,
                   current_date - o % 50, now(), now()
            FROM base, generate_series(0, {offers - 1}) AS o
            LEFT JOIN offer_capacity c USING (o);
            INSERT INTO enterprises_capacitychange (offer_id, changed_at, changed_by_id,
              old_capacity, new_capacity)
            SELECT id, now() - interval '22 years', NULL, NULL, capacity
            FROM enterprises_trainingoffer, base WHERE id > base.ofr
            """,
        ),
        (
            "participants",
            f"""
            CREATE TEMP TABLE person AS
            SELECT j, s, k0,
                   {pstart.replace("k *", "k0 *")} - 14 AS started,
                   {pstart.replace("k *", f"(k0 + {PER_PARTICIPANT - 1}) *")}
                     + {SLOT_LENGTH - 8} + 7 AS ended,
                   k0 + {PER_PARTICIPANT - 1} < {PER_SLOT - 2} AS has_ended
            FROM (SELECT j, (j * {PER_PARTICIPANT}) / {PER_SLOT} AS s,
                         (j * {PER_PARTICIPANT}) % {PER_SLOT} AS k0
                  FROM generate_series(0, {n - 1}) AS j) AS x;
            ALTER TABLE person ADD PRIMARY KEY (j);
            INSERT INTO participants_participant (id, personal_number, first_name, last_name,
              sex, birth_date, birth_year, is_anonymous, anonymous_reason, home_municipality_id,
              email, phone, address, referring_authority, start_date, employment_status_start,
              education, time_in_support, employment_status_end, wanted_extent, available_from,
              support_needs, workplace_adaptations, notes, created_at, updated_at, created_by_id,
              anonymised_at, record_key)
            SELECT base.par + 1 + j,
                   CASE WHEN anon THEN NULL
                        ELSE to_char(birth, 'YYYYMMDD') || '8'
                             || lpad((j / 18000)::text, 2, '0') || '0' END,
                   CASE WHEN anon THEN '' ELSE ({first})[1 + {H("j", 8)} % {len(FIRST_NAMES)}] END,
                   CASE WHEN anon THEN '' ELSE ({last})[1 + {H("j", 9)} % {len(LAST_NAMES)}] END,
                   (ARRAY['female','male','female','male','other'])[1 + {H("j", 10)} % 5],
                   CASE WHEN anon THEN NULL ELSE birth END,
                   extract(year FROM birth)::int,
                   anon,
                   CASE WHEN retired THEN 'retention'
                        WHEN anon THEN 'protected_identity' ELSE '' END,
                   (SELECT min(id) FROM samordning_municipality)
                     + {H("j", 11)} % (SELECT count(*) FROM samordning_municipality),
                   '', '', '',
                   (ARRAY['forsakringskassan','arbetsformedlingen','municipality','region',
                          'self','other'])[1 + {H("j", 12)} % 6],
                   started,
                   (ARRAY['unemployed','long_term_unemployed','on_sick_leave','inactive',
                          'studying'])[1 + {H("j", 13)} % 5],
                   (ARRAY['primary','secondary','tertiary','unknown'])[1 + {H("j", 14)} % 4],
                   (ARRAY['under_1','1_2','2_5','over_5','unknown'])[1 + {H("j", 15)} % 5],
                   CASE WHEN has_ended THEN (ARRAY['employed','unemployed','studying',
                          'on_sick_leave'])[1 + {H("j", 16)} % 4] ELSE '' END,
                   (ARRAY[25,50,50,75,100])[1 + {H("j", 17)} % 5],
                   CASE WHEN has_ended THEN NULL ELSE current_date END,
                   CASE WHEN anon THEN '' ELSE 'Behöver korta dagar i början.' END,
                   '', '',
                   started::timestamptz, started::timestamptz, NULL,
                   CASE WHEN retired THEN (ended + {retention_days})::timestamptz END,
                   {H("j", 18)} % 256
            FROM base, (
              SELECT person.*,
                     date '1950-01-01' + (j % 18000) AS birth,
                     has_ended AND ended < current_date - {retention_days} AS retired,
                     (has_ended AND ended < current_date - {retention_days})
                       OR {H("j", 19)} % 50 = 0 AS anon
              FROM person) AS x
            """,
        ),
        (
            "participant details",
            f"""
            INSERT INTO participants_participant_coordinators (participant_id, user_id)
            SELECT base.par + 1 + j, base.usr + 1 + {H("j", 20)} % {coordinators}
            FROM base, person;
            INSERT INTO participants_participant_coordinators (participant_id, user_id)
            SELECT base.par + 1 + j, base.demo_coord
            FROM base, person WHERE base.demo_coord IS NOT NULL AND j % 1000 = 7;
            INSERT INTO participants_participant_interests (participant_id, businessarea_id)
            SELECT base.par + 1 + j, base.areas[1 + {H("j", 21)} % array_length(base.areas, 1)]
            FROM base, person;
            INSERT INTO participants_participantsupportsource (participant_id, phase, source)
            SELECT base.par + 1 + j, 'start',
                   (ARRAY['sickness_benefit','activity_compensation','unemployment_insurance',
                          'activity_support','social_assistance','none'])[1 + {H("j", 22)} % 6]
            FROM base, person;
            INSERT INTO participants_participantsupportsource (participant_id, phase, source)
            SELECT base.par + 1 + j, 'end',
                   (ARRAY['salary','study_grant','activity_support','social_assistance',
                          'none'])[1 + {H("j", 23)} % 5]
            FROM base, person WHERE has_ended;
            INSERT INTO participants_consent (participant_id, purpose, given_on, recorded_by_id,
              withdrawn_on, note)
            SELECT base.par + 1 + j, purpose, started, NULL, NULL, ''
            FROM base, person, unnest(ARRAY['registration', 'share_with_enterprise']) AS purpose;
            INSERT INTO participants_enrolment (id, participant_id, insats_id, start_date,
              end_date, end_reason, outcome)
            SELECT base.enr + 1 + j, base.par + 1 + j,
                   base.insatser[1 + {H("j", 24)} % array_length(base.insatser, 1)],
                   started,
                   CASE WHEN has_ended THEN ended END,
                   CASE WHEN NOT has_ended THEN ''
                        WHEN {H("j", 25)} % 400 = 0 THEN 'registration_error'
                        ELSE (ARRAY['planned','planned','planned','own_request','ill_health',
                                    'moved'])[1 + {H("j", 26)} % 6] END,
                   CASE WHEN NOT has_ended THEN ''
                        ELSE (ARRAY['work','work_subsidised','studies','job_seeking',
                                    'other_intervention','ill_health','unknown'])
                             [1 + {H("j", 27)} % 7] END
            FROM base, person
            """,
        ),
        (
            "placements",
            f"""
            INSERT INTO placements_placement (id, participant_id, enrolment_id, offer_id,
              placement_type, extent, schedule, planned_start, planned_end, start_date, end_date,
              status, supervisor_name, agreement_date, agreement_tasks, agreement_hours,
              agreement_support, proposed_by_id, proposed_at, proposal_note, expires_on,
              answered_by_id, answered_at, decline_reason, decline_note, withdraw_note,
              end_reason, outcome, created_at, updated_at)
            SELECT base.pla + row_number() OVER (ORDER BY ps, p), base.par + 1 + j,
                   base.enr + 1 + j, base.ofr + 1 + so.o,
                   (ARRAY['training','training','enhanced_training','work_trial','internship'])
                     [1 + {H("p", 30)} % 5],
                   (ARRAY[25,50,50,75,100])[1 + {H("j", 17)} % 5],
                   '', ps, ps + {SLOT_LENGTH - 8},
                   CASE WHEN status IN ('active','completed','interrupted')
                     THEN least(ps + p % 5, current_date) END,
                   CASE WHEN status = 'completed' THEN ps + {SLOT_LENGTH - 8}
                        WHEN status = 'interrupted' THEN ps + p % 5 + ({H("p", 31)} % 60)::int END,
                   status, '', CASE WHEN status IN ('active','completed','interrupted')
                     THEN ps - 3 END, '', '', '', NULL, (ps - 21)::timestamptz, '',
                   CASE WHEN status IN ('proposed','accepted') THEN current_date + 14 END,
                   NULL, CASE WHEN status <> 'proposed' THEN (ps - 14)::timestamptz END,
                   CASE WHEN status = 'declined' THEN 'no_capacity' ELSE '' END, '', '',
                   CASE WHEN status = 'completed' THEN 'planned'
                        WHEN status = 'interrupted' THEN
                          (ARRAY['own_request','ill_health','moved','other_interruption'])
                          [1 + {H("p", 32)} % 4]
                        ELSE '' END,
                   CASE WHEN status IN ('completed','interrupted') THEN
                          (ARRAY['work','studies','job_seeking','other_intervention','unknown'])
                          [1 + {H("p", 33)} % 5]
                        ELSE '' END,
                   (ps - 21)::timestamptz, (ps - 21)::timestamptz
            FROM base, (
              SELECT p, p / {PER_PARTICIPANT} AS j, s, k, ps,
                     CASE WHEN k = {PER_SLOT - 1} THEN
                            (ARRAY['proposed','accepted','declined','withdrawn','declined'])
                            [1 + {H("p", 34)} % 5]
                          WHEN k = {PER_SLOT - 2} AND ps + {SLOT_LENGTH - 8} >= current_date
                            THEN 'active'
                          WHEN {H("p", 35)} % 20 = 0 THEN 'declined'
                          WHEN {H("p", 36)} % 5 = 0 THEN 'interrupted'
                          ELSE 'completed' END AS status
              FROM (SELECT p, p / {PER_SLOT} AS s, p % {PER_SLOT} AS k
                    FROM generate_series(0, {placements - 1}) AS p) AS a,
                   LATERAL (SELECT {pstart} AS ps) AS d
            ) AS x
            JOIN slot_offer so USING (s)
            -- In the order they were made, as in a live database: the current
            -- placements sit together at the end of the table, not one per page.
            ORDER BY ps, p
            """,
        ),
        (
            "shared snapshots",
            """
            INSERT INTO placements_sharedsnapshot (placement_id, first_name, last_name,
              workplace_adaptations, support_needs, shared_at, shared_by_id)
            SELECT pl.id, pa.first_name, pa.last_name, '', '', pl.proposed_at, NULL
            FROM placements_placement pl
            JOIN participants_participant pa ON pa.id = pl.participant_id, base
            WHERE pl.id > base.pla AND NOT pa.is_anonymous
            """,
        ),
        (
            "follow-up meetings",
            """
            INSERT INTO placements_followupmeeting (placement_id, date, attendees, notes,
              next_meeting, recorded_by_id, created_at)
            SELECT pl.id, pl.start_date + 30, 'Deltagare, handledare, koordinator',
                   'Går bra.', pl.start_date + 60, NULL,
                   -- Recorded on the meeting's day, as a coordinator would (not the
                   -- load's time: every person would look active, no one inactive).
                   (pl.start_date + 30) + time '14:00'
            FROM placements_placement pl, base
            WHERE pl.id > base.pla AND pl.start_date IS NOT NULL
              AND pl.start_date + 30 <= current_date
              AND pl.start_date >= current_date - 730
            """,
        ),
        (
            # The triggers that keep FollowUpDue did not fire either (see below).
            "follow-ups due",
            """
            INSERT INTO placements_followupdue (placement_id, due_on)
            SELECT fu.placement_id, max(fu.next_meeting)
            FROM placements_followupmeeting fu
            JOIN placements_placement pl ON pl.id = fu.placement_id, base
            WHERE fu.placement_id > base.pla
              AND pl.status IN ('active', 'completed', 'interrupted')
            GROUP BY fu.placement_id HAVING max(fu.next_meeting) > max(fu.date)
            """,
        ),
        (
            # Nor did those that keep ParticipantActivity: each person's latest placement
            # change or follow-up meeting, one grouped pass.
            "participant activity",
            """
            INSERT INTO placements_participantactivity (participant_id, last_at)
            SELECT participant_id, max(at) FROM (
                SELECT pl.participant_id, pl.updated_at AS at
                FROM placements_placement pl, base WHERE pl.id > base.pla
                UNION ALL
                SELECT pl.participant_id, fu.created_at
                FROM placements_followupmeeting fu
                JOIN placements_placement pl ON pl.id = fu.placement_id, base
                WHERE fu.placement_id > base.pla
            ) AS activity GROUP BY participant_id
            """,
        ),
        (
            "present days",
            f"""
            INSERT INTO placements_attendanceday (placement_id, date, recorded_by_id,
              recorded_at)
            SELECT pl.id, d::date, NULL, d
            FROM placements_placement pl, base,
                 generate_series(
                   greatest(pl.start_date,
                            (current_date - interval '{int(attendance_months)} months')::date),
                   least(coalesce(pl.end_date, current_date), current_date - 1),
                   interval '1 day') AS d
            WHERE pl.id > base.pla AND pl.start_date IS NOT NULL
              AND coalesce(pl.end_date, current_date)
                  >= current_date - interval '{int(attendance_months)} months'
              AND extract(isodow FROM d) < 6
              AND {H("pl.id * 40000 + (d::date - date '2000-01-01')", 40)} % 10 < 7
            ORDER BY 2, 1
            """,
        ),
        (
            # The loader runs with session_replication_role = replica, so the triggers
            # that keep PlacementMonth did not fire: one grouped pass instead.
            "present days per month",
            """
            INSERT INTO placements_placementmonth (placement_id, month, present_days, offer_id)
            SELECT ad.placement_id, date_trunc('month', ad.date)::date, count(*), pl.offer_id
            FROM placements_attendanceday ad
            JOIN placements_placement pl ON pl.id = ad.placement_id, base
            WHERE ad.placement_id > base.pla
            GROUP BY 1, 2, 4
            """,
        ),
    ]


SEQUENCES = [
    "samordning_municipality",
    "samordning_user",
    "samordning_user_groups",
    "enterprises_enterprise",
    "enterprises_enterprise_managers",
    "enterprises_enterprise_business_areas",
    "enterprises_enterpriseagreement",
    "enterprises_annualfigure",
    "enterprises_trainingoffer",
    "enterprises_capacitychange",
    "participants_participant",
    "participants_participant_coordinators",
    "participants_participant_interests",
    "participants_participantsupportsource",
    "participants_consent",
    "participants_enrolment",
    "placements_placement",
    "placements_sharedsnapshot",
    "placements_followupmeeting",
    "placements_attendanceday",
    "placements_placementmonth",
]


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"Refusing to recreate {name!r}: name a throwaway database.")
    admin = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load(*, participants: int, attendance_months: int, password: str, say=print) -> None:
    """Run the statements in the current (Django) database, which must be PostgreSQL
    and migrated. Used by the command line below and by the loader's test."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        raise SystemExit("bench/national.py needs PostgreSQL (DATABASE_URL=postgres://...).")
    password_hash = make_password(password)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Foreign keys are right by construction (the loader test checks them); without
        # the per-row trigger checks the placements load several times faster.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for label, sql in statements(participants, attendance_months, password_hash):
            started = time.perf_counter()
            cursor.execute(sql)
            say(f"  {label}: {time.perf_counter() - started:.1f} s")
        for table in SEQUENCES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        cursor.execute("DROP TABLE base, slot_offer, offer_capacity, person")
    vacuum(say)


def vacuum(say=print) -> None:
    """VACUUM (ANALYZE) the whole database: the planner's statistics, and the
    visibility map that index-only scans need (a bulk load leaves it empty; in
    production autovacuum keeps it). Outside a transaction, as VACUUM requires."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM (ANALYZE)")
    say(f"  vacuum and analyze: {time.perf_counter() - started:.1f} s")


def counts() -> dict[str, int]:
    from django.db import connection

    tables = [
        "samordning_municipality",
        "enterprises_enterprise",
        "enterprises_trainingoffer",
        "participants_participant",
        "participants_enrolment",
        "placements_placement",
        "placements_attendanceday",
        "placements_sharedsnapshot",
    ]
    with connection.cursor() as cursor:
        result = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            result[table] = cursor.fetchone()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a THROWAWAY PostgreSQL database")
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--attendance-months", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="do not drop and recreate first")
    parser.add_argument(
        "--statistics",
        action="store_true",
        help="then compute the funder pages' statistics summary (manage.py refresh_statistics)",
    )
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url must be a PostgreSQL URL")

    started = time.perf_counter()
    if not args.keep:
        recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samordning.settings")
    os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", force=True, stdout=open(os.devnull, "w"))  # noqa: SIM115
    print(f"migrated and seeded the demo: {time.perf_counter() - started:.1f} s")
    if args.participants:
        load(
            participants=args.participants,
            attendance_months=args.attendance_months,
            password=os.environ.get("DEMO_PASSWORD", "demo"),
        )
    else:
        vacuum()  # --participants 0: the demo alone, on PostgreSQL
    if args.statistics:
        step = time.perf_counter()
        call_command("refresh_statistics", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"  statistics summary: {time.perf_counter() - step:.1f} s")
    for table, count in counts().items():
        print(f"  {table}: {count:,}")
    print(f"total: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
