"""Swedish personal identity numbers: personnummer and samordningsnummer.

Checked with python-stdnum and stored as twelve digits (YYYYMMDDNNNC). A
samordningsnummer is a personnummer whose day of birth is increased by 60.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import personnummer

from samordning.validation import MAX_YEAR, MIN_YEAR, is_ascii_digits, is_sane_date

COORDINATION_DAY_OFFSET = 60


@dataclass(frozen=True)
class IdentityNumber:
    digits: str  # twelve digits
    birth_date: datetime.date
    sex: str  # "female" or "male", as the number's second last digit says
    is_coordination_number: bool

    @property
    def masked(self) -> str:
        return mask(self.digits)


def parse_identity_number(value: str, *, today: datetime.date | None = None) -> IdentityNumber:
    """Validate any common written form and return the normalised number.

    Accepts 10 or 12 digits, with or without '-', and the '+' form used for
    people aged 100 or more. Raises ValidationError with a Swedish message.
    """
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Ange ett personnummer eller samordningsnummer."), code="required")
    try:
        number = personnummer.compact(raw)
    except Exception:
        raise ValidationError(_("Numret har fel format."), code="format") from None
    separator_ok = len(number) in (11, 13) and number[-5] in "-+"
    digits = number[:-5] + number[-4:] if separator_ok else ""
    if not separator_ok or not is_ascii_digits(digits):
        raise ValidationError(
            _("Ange numret som ÅÅMMDD-NNNN eller ÅÅÅÅMMDDNNNN (tio eller tolv siffror)."),
            code="format",
        )
    date_part_start = 4 if len(number) == 13 else 2
    day = int(number[date_part_start + 2 : date_part_start + 4])
    is_coordination = day > COORDINATION_DAY_OFFSET
    # stdnum knows personnummer; a samordningsnummer is checked as the
    # personnummer it would be, then the check digit on the real digits.
    as_personnummer = number
    if is_coordination:
        pos = date_part_start + 2
        as_personnummer = number[:pos] + f"{day - COORDINATION_DAY_OFFSET:02d}" + number[pos + 2 :]
    try:
        birth_date = personnummer.get_birth_date(as_personnummer)
    except (InvalidComponent, ValueError):
        raise ValidationError(
            _("Numret innehåller inget giltigt födelsedatum."), code="date"
        ) from None
    try:
        luhn.validate(digits[-10:])
        if not is_coordination:
            personnummer.validate(number)
    except InvalidChecksum:
        raise ValidationError(_("Numret har fel kontrollsiffra."), code="checksum") from None
    except StdnumError:
        raise ValidationError(_("Numret är inte giltigt."), code="invalid") from None
    today = today or datetime.date.today()
    if birth_date > today:
        raise ValidationError(_("Födelsedatumet ligger i framtiden."), code="future")
    if not is_sane_date(birth_date):
        # Year 1 (00010101-...) or 1885 (850312+...): a typing mistake, and outside the
        # range every date in the system keeps to.
        raise ValidationError(
            _("Födelsedatumet måste ligga mellan %(min)s och %(max)s."),
            code="date_range",
            params={"min": MIN_YEAR, "max": MAX_YEAR},
        )
    twelve = f"{birth_date.year:04d}{digits[-10:][2:]}"
    sex = "male" if int(digits[-2]) % 2 else "female"
    return IdentityNumber(
        digits=twelve, birth_date=birth_date, sex=sex, is_coordination_number=is_coordination
    )


# Hyphen-like characters people and word processors put between date and digits.
_SEPARATORS = re.compile(r"[\s+\-\u2010-\u2015\u2212\ufe63\uff0b\uff0d]")


_FULL_WIDTH_DIGITS = {0xFF10 + n: str(n) for n in range(10)}


def search_digits(value: str) -> str:
    """The digits of (part of) a number as typed, for a search: full-width digits made
    ASCII, spaces, '+' and every kind of dash or minus sign removed, as registration
    reads them. Anything else (a name, superscript digits) gives ""."""
    compact = _SEPARATORS.sub("", (value or "").translate(_FULL_WIDTH_DIGITS))
    return compact if is_ascii_digits(compact) else ""


def mask(digits: str | None) -> str:
    """19850312-**** : birth date visible, the last four digits hidden."""
    if not digits:
        return ""
    return f"{digits[:8]}-****"


def format_full(digits: str | None) -> str:
    if not digits:
        return ""
    return f"{digits[:8]}-{digits[8:]}"
