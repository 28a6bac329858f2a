"""British English date formats, the same two roles as Swedish (see ../sv/formats.py)."""

from django.conf.locale.en_GB.formats import *  # noqa: F403 (Django's British formats, then ours)

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
