"""Swedish date formats: one for running text, one for tables (FORMAT_MODULE_PATH).

Running text (sentences, headings, captions, messages) writes `DATE_FORMAT`,
"30 november 2026"; tables, fact lists and form fields write `SHORT_DATE_FORMAT`,
"2026-11-30" (ISO 8601, as Swedish forms and the downloads do). Templates name the
format (`|date:"SHORT_DATE_FORMAT"`), never a pattern of their own.
"""

from django.conf.locale.sv.formats import *  # noqa: F403 (Django's Swedish formats, then ours)

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "j F Y H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
