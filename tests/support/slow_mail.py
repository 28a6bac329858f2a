"""A file mail backend that waits MAIL_TEST_DELAY seconds before writing each mail:
the worker test (tests/samordning/test_worker_process.py) kills the worker in that pause."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from django.core.mail.backends import filebased
from django.core.mail.message import EmailMessage


class EmailBackend(filebased.EmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        time.sleep(float(os.environ.get("MAIL_TEST_DELAY", "0")))
        return super().send_messages(email_messages)
