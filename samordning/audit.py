"""Writing the audit log. One call, one row; never updated afterwards."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import batched, groupby
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, QueryDict
from django.utils.crypto import salted_hmac

from samordning.models import AuditAction, AuditLog, User


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. X-Forwarded-For is trusted only as far as our own
    proxies (PROXY_COUNT) wrote it: the entry that many places from the right.
    Anything that is not an IP address is recorded as unknown."""
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR", "")
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(hops) >= proxies:
            candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


# Free-text search parameters: what was typed may be a name or an identity number, and the
# log is append-only, so anonymising a person could never remove it. The log keeps a keyed
# digest of the search instead: the review page finds the rows of a search by computing the
# same digest from what the reviewer types; who was shown is in `subjects`. `term` is what
# is typed into the admin's autocomplete (samordning.admin_site.AuditedAutocompleteJsonView).
SEARCH_PARAMS = frozenset({"q", "term"})


def search_digest(text: str) -> str:
    """The logged form of a free-text search: "[sökning 3f9a0c1d2b7e]" (case and spacing
    do not matter; the key is the site's SECRET_KEY, so the digest cannot be looked up
    elsewhere)."""
    normalised = " ".join(text.split()).casefold()
    digest = salted_hmac("samordning.audit.search", normalised, algorithm="sha256").hexdigest()
    return f"[sökning {digest[:12]}]"


def _logged_value(key: str, value: str) -> str:
    return search_digest(value) if key in SEARCH_PARAMS and value else value


# Parameters whose value is itself a query string that may hold a search: the admin
# carries the changelist's search and filters to a row's change, delete and history
# pages ("?_changelist_filters=q%3DAnna").
NESTED_QUERY_PARAMS = frozenset({"_changelist_filters"})


def _without_searches(query: QueryDict, hide: Callable[[str], str] = search_digest) -> QueryDict:
    """The query with its free-text searches (nested ones too) replaced by `hide(text)`."""
    query = query.copy()
    for key in SEARCH_PARAMS.intersection(query):
        query.setlist(key, [hide(v) if v else v for v in query.getlist(key)])
    for key in NESTED_QUERY_PARAMS.intersection(query):
        query.setlist(
            key,
            [
                _without_searches(QueryDict(v), hide).urlencode(safe="[]")
                for v in query.getlist(key)
            ],
        )
    return query


def audited_path(request: HttpRequest | None) -> str:
    """The request's path for the log, with free-text searches left out."""
    if request is None:
        return ""
    if not (SEARCH_PARAMS | NESTED_QUERY_PARAMS).intersection(request.GET):
        return request.get_full_path()[:300]
    query = _without_searches(request.GET)
    return f"{request.path}?{query.urlencode(safe='[]')}"[:300]


# --- showing stored rows ---------------------------------------------------------
# Rows written before the searches were logged as digests still hold what was typed:
# in `path` and `detail` until 30 November 2026 ("q=Anna"), in the admin's carried
# search until 1 December ("_changelist_filters=q%3DAnna"). The log is append-only and
# is never rewritten, so the pages that show it (the audit log's admin, /granskning/
# and its downloads) show those values as the digest they would have been logged as.
# A value already in a logged form (the digest, or "[5 tecken]" of 30 November) is
# shown as stored, so a search shows the same digest on old rows and new.
_LOGGED_SEARCH = re.compile(r"\[(?:sökning [0-9a-f]{12}|\d+ tecken)\]")


def _shown_search(text: str) -> str:
    return text if _LOGGED_SEARCH.fullmatch(text) else search_digest(text)


def shown_path(path: str) -> str:
    """A stored row's `path` as the pages showing the log may show it: any free-text
    search in its query (nested ones too) as its digest. The stored row is not changed."""
    head, separator, query_string = path.partition("?")
    if not separator:
        return path
    query = QueryDict(query_string)
    if not (SEARCH_PARAMS | NESTED_QUERY_PARAMS).intersection(query):
        return path
    return f"{head}?{_without_searches(query, _shown_search).urlencode(safe='[]')}"


# "q=Anna Berg; period=past" (request_filters): a search's value runs to the next
# "; name=" or to the end, so a typed "; " cannot leave part of it out.
_FILTER_SEARCH = re.compile(
    rf"(?:^|(?<=; ))(?P<key>{'|'.join(sorted(SEARCH_PARAMS))})=(?P<value>.*?)(?=; [\w.-]+=|$)",
    re.DOTALL,
)


def shown_detail(detail: str) -> str:
    """A stored row's `detail` as the pages showing the log may show it: a list row's
    free-text search ("q=...") as its digest. The stored row is not changed."""
    return _FILTER_SEARCH.sub(
        lambda m: f"{m['key']}={_shown_search(m['value'])}" if m["value"] else m[0], detail
    )


# Ids written per piece of the text (subjects_text).
SUBJECTS_BATCH = 10_000


def subjects_text(subject_ids: Iterable[int | None]) -> str:
    """The people a row is about, as ",12,15," (see AuditLog.about_subject); "" for none.

    One sorted list, deduplicated while it is written in pieces: for an admin's
    export naming a million people, a set, its sorted copy and a million strings
    to join took a worker about 100 MB."""
    ids = sorted(int(pk) for pk in subject_ids if pk is not None)
    if not ids:
        return ""
    unique = (str(pk) for pk, _same in groupby(ids))
    pieces = [",".join(batch) for batch in batched(unique, SUBJECTS_BATCH)]
    return f",{','.join(pieces)},"


def audit_record(
    *,
    user: User | None,
    action: AuditAction | str,
    obj: models.Model,
    request: HttpRequest | None = None,
    detail: str = "",
    responsible: bool | None = None,
    subjects: Iterable[int | None] = (),
    path: str | None = None,
) -> AuditLog:
    """Append one row saying that `user` did `action` to `obj`; `subjects` are the
    ids of the people (participants) whose data it showed or changed. `path` replaces
    the request's path where that holds a secret (a calendar feed's token)."""
    if path is None:
        path = audited_path(request)
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        ip_address=client_ip(request),
        path=path[:300],
        detail=detail[:300],
        responsible=responsible,
        subjects=subjects_text(subjects),
    )


def audit_page_view(
    *,
    user: User | None,
    page: str,
    subjects: Iterable[int | None],
    request: HttpRequest | None = None,
    filters: str = "",
    responsible: bool | None = None,
) -> AuditLog:
    """One row for one view of a page listing several people: which page (`page`,
    e.g. "participant-list"), who was shown (`subjects`) and the search or filter
    used. One insert whatever the number of rows shown."""
    shown = subjects_text(subjects)
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=AuditAction.LIST,
        object_type=page[:60],
        object_id=str(shown.count(",") - 1 if shown else 0),
        object_repr="",
        ip_address=client_ip(request),
        path=audited_path(request),
        detail=filters[:300],
        responsible=responsible,
        subjects=shown,
    )


def subjects_in_database(people: models.QuerySet[Any]) -> tuple[RawSQL, RawSQL]:
    """The `subjects` text (as subjects_text writes it) and the number of people of a
    queryset of people, as two subqueries for the INSERT that writes the row: the
    worker never holds the ids. (An admin's export names a million people; their
    ids, sorted and joined in Python, took 31 MB of a worker's memory.)"""
    ids, params = (
        people.order_by()
        .annotate(subject=models.F("pk"))  # the column's name in the SQL below
        .values_list("subject", flat=True)
        .distinct()
        .query.sql_with_params()
    )
    connection = connections[people.db]
    column = connection.ops.quote_name("subject")
    if connection.vendor == "postgresql":
        joined = f"string_agg(ids.{column}::text, ',' ORDER BY ids.{column})"
        source = f"({ids}) AS ids"
    else:  # SQLite before 3.44 has no ORDER BY inside group_concat: ordered below it
        joined = f"group_concat(ids.{column}, ',')"
        source = f"(SELECT {column} FROM ({ids}) ORDER BY {column}) AS ids"  # noqa: S608
    # Only the ORM's own SQL and quoted names go into the text; values stay parameters.
    text = f"SELECT COALESCE(',' || {joined} || ',', '') FROM {source}"  # noqa: S608
    count = f"SELECT CAST(COUNT(*) AS TEXT) FROM ({ids}) AS ids"  # noqa: S608
    return RawSQL(text, params), RawSQL(count, params)  # noqa: S611


def audit_export(
    *,
    user: User | None,
    export: str,
    subjects: Iterable[int | None] | models.QuerySet[Any],
    request: HttpRequest | None = None,
    detail: str = "",
) -> AuditLog:
    """One row for one download (`export`, e.g. "invoice-basis"): who exported, the
    request, and every person it named (`subjects`), whatever the number of rows.

    `subjects` may be the ids, or a queryset of the people: then the database writes
    the names into the row itself (subjects_in_database), and the returned row's
    `subjects` and `object_id` are those expressions, not read back."""
    shown: str | RawSQL
    count: str | RawSQL
    if isinstance(subjects, models.QuerySet):
        shown, count = subjects_in_database(subjects)
    else:
        shown = subjects_text(subjects)
        count = str(shown.count(",") - 1 if shown else 0)
    return AuditLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=AuditAction.EXPORT,
        object_type=export[:60],
        object_id=count,
        object_repr="",
        ip_address=client_ip(request),
        path=audited_path(request),
        detail=detail[:300],
        subjects=shown,
    )


def request_filters(request: HttpRequest, ignore: Iterable[str] = ("page",)) -> str:
    """The search and filter parameters of a list request, as
    "q=[sökning 3f9a0c1d2b7e]; period=past" (free-text searches as a digest, see SEARCH_PARAMS)."""
    skip = set(ignore)
    return "; ".join(
        f"{key}={_logged_value(key, value)}"
        for key in sorted(request.GET)
        if key not in skip
        for value in request.GET.getlist(key)
        if value
    )


def audit_records(
    *,
    user: User | None,
    action: AuditAction | str,
    objects: Sequence[models.Model],
    request: HttpRequest | None = None,
    detail: str = "",
    subject_of: Callable[[models.Model], int | None] | None = None,
) -> list[AuditLog]:
    """One row per object (e.g. every row of personal data in an export), in one insert;
    `subject_of` gives the id of the person each object is about."""
    ip, path = client_ip(request), audited_path(request)
    return AuditLog.objects.bulk_create(
        AuditLog(
            user=user if user is not None and user.is_authenticated else None,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            ip_address=ip,
            path=path,
            detail=detail[:300],
            subjects=subjects_text([subject_of(obj)]) if subject_of else "",
        )
        for obj in objects
    )
