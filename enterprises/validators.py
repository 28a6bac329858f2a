"""Swedish organisation numbers (organisationsnummer), checked with python-stdnum."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr

from samordning.validation import is_ascii_digits


def normalise_org_number(value: str) -> str:
    """Return the ten digits of a valid organisationsnummer, or raise ValidationError.

    Accepts the usual written forms (5569876543, 556987-6543, 16556987-6543).
    Digits 3-4 are at least 20, which is what tells an organisation from a person.
    """
    raw = (value or "").strip()
    number = orgnr.compact(raw)
    if len(number) == 12 and number.startswith("16"):
        number = number[2:]
    if not is_ascii_digits(number):
        raise ValidationError(
            _("Organisationsnumret får bara innehålla siffror och bindestreck."), code="format"
        )
    if len(number) != 10:
        raise ValidationError(_("Organisationsnumret ska ha tio siffror."), code="length")
    if int(number[2:4]) < 20:
        raise ValidationError(
            _("Siffra 3–4 i ett organisationsnummer är minst 20; det här liknar ett personnummer."),
            code="not_organisation",
        )
    try:
        orgnr.validate(number)
        luhn.validate(number)
    except StdnumError:
        raise ValidationError(
            _("Organisationsnumret har fel kontrollsiffra."), code="checksum"
        ) from None
    return number


def format_org_number(number: str) -> str:
    return f"{number[:6]}-{number[6:]}" if len(number) == 10 else number
