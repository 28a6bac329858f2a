"""Automated accessibility check (WCAG 2.1 A and AA) of every main page, per role.

axe-core (bundled by axe-playwright-python, no network) runs in Debian's chromium
against the demo installation (`seed_demo`), at a 1280 px laptop and at a 375 px
phone; at 320 CSS px (1280 px zoomed to 400 %, WCAG 1.4.10 Reflow) the page must
not scroll sideways. A page fails on any WCAG violation of impact
"serious" or "critical", and on the heading and landmark rules axe files under
best practice. The failure lists every problem on every page visited, so one
run shows all there is to fix. Other findings are printed (`pytest -s`).

axe cannot judge everything: the last tests check by hand what it misses here
(link colour on striped table rows, the focus outline, form field borders) and
that the skip link and a list page work with the keyboard alone.
"""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from enterprises.models import AnnualFigure, Enterprise, TrainingOffer
from participants.models import Consent, Enrolment, Participant
from placements.models import Placement, PlacementStatus
from samordning.models import User
from tests.browser.helpers import browser_login
from tests.factories import ParticipantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}
BLOCKING_IMPACTS = {"serious", "critical"}
# Best-practice rules (not WCAG-tagged in axe) that we hold to anyway: one h1 and
# headings in order, content inside landmarks, no empty headings or table headers.
STRUCTURE_RULES = {
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    "empty-table-header",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-main",
    "region",
}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": [*sorted(WCAG_TAGS), "best-practice"]},
    "resultTypes": ["violations"],
}
WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
NARROW = {"width": 320, "height": 640}
AXE = Axe()

# Elements that stick out to the right, outside any element that scrolls them.
OVERFLOWING_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  return [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el))
    .slice(-3)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ` +
                 el.textContent.trim().slice(0, 40));
}"""


class AxeAudit:
    """Runs axe on each page visited and keeps the blocking problems for one report.

    It also listens to the browser's console: an error there (a script error, a style
    the Content-Security-Policy blocked, a resource that failed to load) is a problem
    of the page it happened on."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.visited: list[str] = []
        self.problems: list[str] = []
        self.console_errors: list[str] = []
        # No colour transitions (Bootstrap honours reduced motion): axe must not sample a
        # button halfway between its colours when the pointer rests on it after a click.
        page.emulate_media(reduced_motion="reduce")
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"script error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"console: {message.text}")

    def _axe(self, label: str) -> None:
        results = AXE.run(self.page, options=AXE_OPTIONS)
        for violation in results.response["violations"]:
            wcag = WCAG_TAGS & set(violation["tags"])
            blocking = (wcag and violation["impact"] in BLOCKING_IMPACTS) or (
                violation["id"] in STRUCTURE_RULES
            )
            line = f"{label}: {violation['id']} [{violation['impact']}] {violation['help']}"
            if not blocking:
                print(line)  # reported, not failing
                continue
            self.problems.append(f"{line} ({self.page.url})")
            for node in violation["nodes"][:5]:
                target = ", ".join(str(t) for t in node["target"])
                summary = " ".join(node.get("failureSummary", "").split())
                self.problems.append(f"    {target}: {summary}")

    def check(self, label: str) -> None:
        """Audit the page as it is now: axe at 1280 and 375 px (a phone), reflow at 320 px;
        report its console errors."""
        self.visited.append(label)
        self.problems.extend(f"{label}: {error} ({self.page.url})" for error in self.console_errors)
        self.console_errors.clear()
        self._axe(label)
        try:
            self.page.set_viewport_size(PHONE)
            self._axe(f"{label} (375 px)")
            self.page.set_viewport_size(NARROW)
            overflow = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                culprits = "; ".join(self.page.evaluate(OVERFLOWING_JS))
                self.problems.append(
                    f"{label} (320 px): reflow: the page scrolls {overflow} px sideways "
                    f"({self.page.url}): {culprits}"
                )
        finally:
            self.page.set_viewport_size(WIDE)

    def visit(self, label: str, url: str, status: int = 200) -> None:
        response = self.page.goto(url)
        if status != 200:
            # The browser logs the page's own expected 403/404 as a failed load.
            expected = f"status of {status}"
            self.console_errors[:] = [e for e in self.console_errors if expected not in e]
        assert response is not None and response.status == status, (
            f"{label}: {url} answered {response.status if response else 'nothing'}"
        )
        self.check(label)

    def open_details(self) -> None:
        """Open every collapsed <details> so axe also sees the forms inside."""
        closed = self.page.locator("main details:not([open]) > summary")
        while closed.count():
            closed.first.click()

    def submit_invalid(self, label: str, url: str, button: str = "Spara") -> None:
        """Open a form, empty its text fields, submit it and audit the page with errors."""
        self.page.goto(url)
        form = self.page.locator("main form[method=post]").last
        for field in form.locator("input[type=text], input[type=number], input[type=date]").all():
            field.fill("")
        form.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_load_state()
        assert self.page.locator("main [aria-invalid=true], main .alert-danger").count(), (
            f"{label}: no errors shown after submitting {url} with empty fields"
        )
        self.check(label)

    def assert_clean(self) -> None:
        assert self.visited, "no page was audited"
        report = "\n".join(self.problems)
        assert not self.problems, f"Accessibility problems on {len(self.visited)} pages:\n{report}"


@pytest.fixture
def demo(db: None) -> dict[str, User]:
    """The demo installation; its users (coordinator, manager, admin...) have password "pw"."""
    call_command("seed_demo", password="pw", force=True, stdout=StringIO())
    return {user.username: user for user in User.objects.all()}


def test_login_page(page):
    audit = AxeAudit(page)
    audit.visit("Inloggning", reverse("login"))
    page.get_by_label("Användarnamn").fill("nobody")
    page.get_by_label("Lösenord").fill("wrong")
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
    audit.check("Inloggning med fel lösenord")
    audit.assert_clean()


def test_coordinator_pages(page, demo):
    user = demo["coordinator"]
    participants = Participant.objects.visible_to(user)
    person = (
        participants.filter(is_anonymous=False, placements__isnull=False)
        .order_by("pk")
        .distinct()
        .first()
    )
    anonymous = participants.filter(is_anonymous=True).order_by("pk").first()
    someone_else = Participant.objects.exclude(pk__in=participants.values("pk")).first()
    placements = Placement.objects.visible_to(user).order_by("pk")
    offer = TrainingOffer.objects.visible_to(user).order_by("pk").first()
    consent = Consent.objects.filter(participant__in=participants, withdrawn_on=None).first()
    enrolment = Enrolment.objects.filter(participant__in=participants, end_date=None).first()
    assert person and anonymous and someone_else and consent and enrolment

    browser_login(page, "coordinator")
    audit = AxeAudit(page)
    audit.visit("Startsida", reverse("home"))
    audit.visit("Deltagare", reverse("participants:participant-list"))
    audit.visit("Deltagare, sökning", reverse("participants:participant-list") + "?q=a&sort=-start")
    audit.visit("Deltagaren", reverse("participants:participant-detail", args=[person.pk]))
    audit.visit("Anonym deltagare", reverse("participants:participant-detail", args=[anonymous.pk]))
    audit.visit("Registrera deltagare", reverse("participants:participant-create"))
    audit.submit_invalid("Registrera deltagare, fel", reverse("participants:participant-create"))
    audit.visit("Ändra deltagare", reverse("participants:participant-update", args=[person.pk]))
    audit.visit("Registrera samtycke", reverse("participants:consent-create", args=[person.pk]))
    audit.visit(
        "Återkalla samtycke",
        reverse("participants:consent-withdraw", args=[consent.participant_id, consent.pk]),
    )
    audit.visit("Skriv in i insats", reverse("participants:enrolment-create", args=[person.pk]))
    audit.visit(
        "Avsluta inskrivning",
        reverse("participants:enrolment-end", args=[enrolment.participant_id, enrolment.pk]),
    )
    audit.visit("Registerutdrag", reverse("participant-data-export", args=[person.pk, "html"]))
    audit.visit("Lediga platser", reverse("placements:offer-free-list"))
    audit.visit("Matchning", reverse("placements:participant-matches", args=[person.pk]))
    propose = reverse("placements:placement-propose", args=[person.pk])
    audit.visit("Föreslå plats", propose)
    audit.submit_invalid("Föreslå plats, fel", propose, button="Föreslå")
    for status in PlacementStatus.values:
        placement = placements.filter(status=status).first()
        if placement is None:
            continue
        label = f"Arbetsträning ({status})"
        audit.visit(label, reverse("placements:placement-detail", args=[placement.pk]))
        if page.locator("main details").count():
            audit.open_details()
            audit.check(f"{label}, formulären öppna")
    audit.visit("Företag", reverse("enterprises:enterprise-list"))
    audit.visit("Företaget", reverse("enterprises:enterprise-detail", args=[offer.enterprise_id]))
    audit.visit("Platser", reverse("enterprises:offer-list"))
    audit.visit("Platsen", reverse("enterprises:offer-detail", args=[offer.pk]))
    audit.visit("Fakturaunderlag", reverse("placements:invoice-basis"))
    audit.visit("Att göra", reverse("placements:attention"))
    audit.visit("Att göra: ledig plats", reverse("placements:attention-list", args=["queue-freed"]))
    audit.visit("Köplatser", reverse("placements:waiting-list"))
    audit.visit("Ställ i kö", reverse("placements:waiting-create", args=[person.pk]))
    audit.submit_invalid(
        "Ställ i kö, fel", reverse("placements:waiting-create", args=[person.pk]), "Ställ i kö"
    )
    audit.visit("Parkera", reverse("participants:parking-create", args=[person.pk]))
    audit.visit(
        "Företagsutveckling",
        reverse("enterprises:development", args=[offer.enterprise_id]),
    )
    audit.visit(
        "Logga stöd", reverse("enterprises:support-activity-create", args=[offer.enterprise_id])
    )
    audit.visit(
        "Registrera milstolpe", reverse("enterprises:milestone-create", args=[offer.enterprise_id])
    )
    esf = Enrolment.objects.filter(participant__in=participants, insats__esf_funded=True).first()
    if esf is not None:
        audit.visit(
            "ESF+ vid start", reverse("participants:esf-entry", args=[esf.participant_id, esf.pk])
        )
    # What a coordinator meets at the edges of their scope.
    audit.visit(
        "Annans deltagare (404)",
        reverse("participants:participant-detail", args=[someone_else.pk]),
        status=404,
    )
    audit.visit("Granskning (403)", reverse("audit-review"), status=403)
    audit.assert_clean()


def test_manager_pages(page, demo):
    user = demo["manager"]
    enterprise = Enterprise.objects.editable_by(user).order_by("pk").first()
    offer = TrainingOffer.objects.editable_by(user).order_by("pk").first()
    figure = AnnualFigure.objects.filter(enterprise=enterprise).first()
    placements = Placement.objects.visible_to(user).order_by("pk")
    proposal = placements.filter(status=PlacementStatus.PROPOSED).first()
    active = placements.filter(status=PlacementStatus.ACTIVE).first()
    assert enterprise and offer and figure and proposal and active

    browser_login(page, "manager")
    audit = AxeAudit(page)
    audit.visit("Startsida", reverse("home"))
    audit.visit("Mitt företag", reverse("enterprises:enterprise-list"))
    audit.visit("Företaget", reverse("enterprises:enterprise-detail", args=[enterprise.pk]))
    audit.visit("Ändra företaget", reverse("enterprises:enterprise-update", args=[enterprise.pk]))
    audit.visit(
        "Nya årsuppgifter", reverse("enterprises:annual-figure-create", args=[enterprise.pk])
    )
    audit.visit(
        "Ändra årsuppgifter",
        reverse("enterprises:annual-figure-update", args=[enterprise.pk, figure.pk]),
    )
    create_offer = reverse("enterprises:offer-create", args=[enterprise.pk])
    audit.visit("Ny plats", create_offer)
    audit.submit_invalid("Ny plats, fel", create_offer)
    audit.visit("Platser", reverse("enterprises:offer-list"))
    audit.visit("Platsen", reverse("enterprises:offer-detail", args=[offer.pk]))
    audit.visit("Ändra platsen", reverse("enterprises:offer-update", args=[offer.pk]))
    audit.visit("Antal platser", reverse("placements:offer-capacity", args=[offer.pk]))
    audit.visit("Förslag", reverse("placements:enterprise-proposal-list"))
    # Decline without a reason: htmx puts the card back with the error, focused on the field.
    decline = reverse("placements:enterprise-proposal-decline", args=[proposal.pk])
    page.locator(f'form[action="{decline}"]').get_by_role("button").click()
    reason = page.locator(f"#proposal-card-{proposal.pk} select[aria-invalid=true]")
    expect(reason).to_be_focused()
    page.mouse.move(0, 0)  # the pointer leaves the button it clicked
    audit.check("Tacka nej utan skäl, i listan")
    # Without JavaScript (a plain submit, which htmx does not see) it is its own page.
    page.goto(reverse("placements:enterprise-proposal-list"))
    page.locator(f'form[action="{decline}"]').evaluate("form => form.submit()")
    page.wait_for_url(f"**{decline}")
    audit.check("Tacka nej utan skäl")
    audit.visit("Arbetsträningar", reverse("placements:enterprise-placement-list"))
    audit.visit(
        "Avslutade arbetsträningar",
        reverse("placements:enterprise-placement-list") + "?period=past",
    )
    audit.visit(
        "Arbetsträningen", reverse("placements:enterprise-placement-detail", args=[active.pk])
    )
    audit.visit("Närvaro", reverse("placements:attendance-grid"))
    audit.visit("Fakturaunderlag", reverse("placements:invoice-basis"))
    audit.visit("Utvecklingsplan", reverse("enterprises:development", args=[enterprise.pk]))
    audit.assert_clean()


def test_funder_pages(page, demo):
    from participants.models import Insats

    browser_login(page, "funder", "pw")
    audit = AxeAudit(page)
    audit.visit("Startsida", reverse("home"))
    audit.visit("Statistik", reverse("reports:overview"))
    audit.visit("Statistik 2014", reverse("reports:overview") + "?year=2014")
    audit.visit("Statistik, felaktig period", reverse("reports:overview") + "?year=nonsense")
    insats = Insats.objects.order_by("pk").first()
    audit.visit("Statistik per insats", reverse("reports:insats-detail", args=[insats.pk]))
    audit.visit("Företagsutveckling", reverse("reports:development") + "?year=2014")
    mia = Insats.objects.filter(esf_funded=True).order_by("pk").first()
    audit.visit("ESF+", reverse("reports:esf", args=[mia.pk]) + "?year=2018")
    audit.visit("Deltagare (403)", reverse("participants:participant-list"), status=403)
    audit.assert_clean()


def test_admin_pages(page, demo):
    participant = Participant.objects.filter(is_anonymous=False).order_by("pk").first()
    browser_login(page, "admin")
    audit = AxeAudit(page)
    audit.visit("Startsida", reverse("home"))
    # A read outside responsibility, so the review has a row to show.
    audit.visit("Deltagaren", reverse("participants:participant-detail", args=[participant.pk]))
    audit.visit("Granskning", reverse("audit-review"))
    assert page.locator("main table tbody tr td").count() > 1
    audit.visit("Deltagare", reverse("participants:participant-list"))
    audit.visit("Företag", reverse("enterprises:enterprise-list"))
    coordinator = demo["coordinator"]
    audit.visit("Överlämning", reverse("participants:handover") + f"?from_user={coordinator.pk}")
    audit.visit("Att göra", reverse("placements:attention"))
    audit.visit("Administration", reverse("admin:index"))
    audit.assert_clean()


# --- what axe does not judge ---------------------------------------------------


def _rgba(css: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    return (*numbers[:3], numbers[3] if len(numbers) > 3 else 1.0)  # type: ignore[return-value]


def _over(top: str, bottom: str) -> str:
    """`top` (possibly translucent) composited over the opaque `bottom`."""
    r, g, b, a = _rgba(top)
    br, bg, bb, _ = _rgba(bottom)
    return f"rgb({r * a + br * (1 - a)}, {g * a + bg * (1 - a)}, {b * a + bb * (1 - a)})"


def _contrast(one: str, other: str) -> float:
    def luminance(css: str) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b, _ = _rgba(css)
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _style(locator: Any, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).{prop}")


def test_colours_axe_cannot_judge(page, coordinator):
    """Bootstrap paints striped rows with an inset box-shadow, which axe ignores; and
    focus outlines and field borders are non-text contrast (1.4.11), which it skips."""
    for name in ("Anna", "Bertil", "Cecilia"):
        ParticipantFactory(first_name=name, last_name="Ek", coordinators=[coordinator])
    browser_login(page, "coordinator")
    page.goto(reverse("participants:participant-list"))
    white = "rgb(255, 255, 255)"

    # Link text on a striped (odd) row: 4.5:1 against the row's real background.
    cell = page.locator("main table.table-striped tbody tr").first.locator("td").first
    shadow = _style(cell, "boxShadow")
    row_background = _over(re.match(r"rgba?\([^)]*\)", shadow).group(0), white)
    link = cell.get_by_role("link")
    assert _contrast(_style(link, "color"), row_background) >= 4.5

    # Text field borders: 3:1 against the page.
    search = page.get_by_label("Sök namn eller personnummer")
    assert _contrast(_style(search, "borderTopColor"), white) >= 3

    # The keyboard focus outline: visible and 3:1 against the page...
    search.focus()
    assert _style(search, "outlineStyle") == "solid"
    assert float(_style(search, "outlineWidth").removesuffix("px")) >= 2
    assert _contrast(_style(search, "outlineColor"), white) >= 3
    # ...and against the dark navigation bar.
    nav_link = page.get_by_role("navigation", name="Huvudmeny").get_by_role("link").first
    nav_link.focus()
    navbar = _style(page.locator("nav.navbar"), "backgroundColor")
    assert _style(nav_link, "outlineStyle") == "solid"
    assert _contrast(_style(nav_link, "outlineColor"), navbar) >= 3


# --- keyboard ------------------------------------------------------------------


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || "",
                           text: el.textContent.trim(), href: el.getAttribute("href") || ""}; }"""
    )


def test_skip_link_is_first_and_moves_focus_to_main(page):
    page.goto(reverse("login"))
    page.keyboard.press("Tab")
    focused = _focused(page)
    assert (focused["tag"], focused["href"]) == ("a", "#main")
    assert focused["text"] == "Hoppa till innehållet"
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    assert skip.is_visible() and skip.bounding_box()["width"] > 10  # shown when focused

    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    # The next Tab goes on from inside main, past the navigation.
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "username"


def _wait_for_swaps(page: Any, count: int) -> None:
    # Polled from here: the page's CSP forbids the evaluated strings wait_for_function uses.
    for _ in range(100):
        if page.evaluate("window.swaps") >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"htmx swapped the results {page.evaluate('window.swaps')} times")


def test_a_fast_keyboard_user_keeps_focus_when_the_typing_request_swaps_the_results_again(
    page, coordinator
):
    anna = ParticipantFactory(first_name="Anna", last_name="Ek", coordinators=[coordinator])
    ParticipantFactory(first_name="Bertil", last_name="Ek", coordinators=[coordinator])
    browser_login(page, "coordinator")
    page.goto(reverse("participants:participant-list"))
    page.evaluate(
        "window.swaps = 0; document.body.addEventListener('htmx:afterSwap', () => window.swaps++)"
    )
    page.get_by_label("Sök namn eller personnummer").press_sequentially("Anna")
    page.keyboard.press("Enter")
    # Enter's request answers first; the typing's own request (400 ms after the last
    # key) then swaps the same results in again.
    _wait_for_swaps(page, 1)
    detail = reverse("participants:participant-detail", args=[anna.pk])
    link = page.locator(f"main table a[href='{detail}']")
    link.focus()  # reached by Tab before the second swap, as a fast user would
    _wait_for_swaps(page, 2)
    # The link was replaced by its copy; focus moved with it (same id), so Enter works.
    assert page.evaluate("document.activeElement.getAttribute('href')") == detail
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{detail}")


def test_participant_list_works_with_the_keyboard(page, coordinator):
    anna = ParticipantFactory(first_name="Anna", last_name="Ek", coordinators=[coordinator])
    ParticipantFactory(first_name="Bertil", last_name="Ek", coordinators=[coordinator])
    browser_login(page, "coordinator")
    page.goto(reverse("participants:participant-list"))

    def tab_to(wanted: Any, limit: int = 40) -> list[dict[str, str]]:
        path = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            path.append(_focused(page))
            if wanted(path[-1]):
                return path
        raise AssertionError(f"never reached by Tab; focus went {path}")

    # Skip link, then straight to the filter form.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    path = tab_to(lambda f: f["name"] == "q")
    assert path[0]["text"] == "Registrera deltagare"  # the first thing in main
    page.keyboard.type("Anna")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=Anna**")
    # htmx swaps the results in (filtering as you type); without JS the form submits.
    expect(page.locator("main table tbody tr")).to_have_count(1)
    # Enter submitted the form, and the typing's own request (400 ms after the last
    # key) may still come and swap the same results in again, replacing the link
    # Tab is about to reach: wait until both have answered (a CI run lost the Enter).
    page.wait_for_load_state("networkidle")

    detail = reverse("participants:participant-detail", args=[anna.pk])
    path = tab_to(lambda f: f["href"] == detail)
    # The whole filter form comes before the results.
    assert [f["name"] for f in path if f["tag"] == "select"][-1] == "sort"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{detail}")
    assert page.get_by_role("heading", level=1).inner_text() == "Anna Ek"
