"""A file mail backend for the worker test (tests/samordning/test_worker_process.py):
after MAIL_TEST_HOLD_AFTER mails in this process it waits a minute before writing the
next one, so the test can kill the worker there, never between a mail and its mark."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from django.core.mail.backends import filebased
from django.core.mail.message import EmailMessage

_written = 0


class EmailBackend(filebased.EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        global _written
        hold_after = os.environ.get("MAIL_TEST_HOLD_AFTER", "")
        if hold_after and _written >= int(hold_after):
            time.sleep(60)
        sent = super().send_messages(email_messages)
        _written += sent
        return sent
