"""Sign-up and invitations in Polish, in a real browser: a new e-mail signs up; a known one is
sent to sign in; an invitation is accepted by a new account (a password) and by an existing
one (signing in, then one button)."""
import pytest

from ..factories import PASSWORD
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def _polish(page) -> None:
    page.click("button.lang[value=pl]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "pl"


def _sign_out(page) -> None:
    page.click(".user-menu summary")
    page.click(".user-menu button.linklike")
    page.wait_for_url("**/login")


def _invite(page, email: str) -> str:
    page.goto("/users/new")
    page.fill("#email", email)
    page.click("main button[type=submit]")
    page.wait_for_selector("#invite-link")
    return page.input_value("#invite-link")


def test_signup_in_polish_new_and_known_email(page, world_a):
    page.goto("/signup")
    _polish(page)
    page.fill("#name", "Pierogarnia u Zofii")
    page.fill("#owner_name", "Zofia Nowak")
    page.fill("#email", "zofia@pierogarnia.test")
    page.fill("#password", "pierogi-z-serem-2026")
    shot(page, "accounts-signup-pl")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator(".tenant-name").inner_text() == "Pierogarnia u Zofii"
    page.click(".user-menu summary")
    assert page.locator(".user-menu .menu", has_text="Dodaj restaurację").is_visible()
    assert page.locator(".user-menu .menu", has_text="Na wszystkich Twoich urządzeniach").is_visible()
    shot(page, "accounts-user-menu-pl")
    page.click(".user-menu button.linklike")
    page.wait_for_url("**/login")
    assert "Wylogowano Cię na wszystkich urządzeniach." in page.locator("#flash").inner_text()

    # A known e-mail: no password check, a way to sign in and add the restaurant instead.
    page.goto("/signup")
    page.fill("#name", "Druga Restauracja")
    page.fill("#email", world_a.owner.email)
    page.fill("#password", "cokolwiek-dlugiego")
    page.click("main button[type=submit]")
    assert "Ten adres e-mail ma już konto" in page.locator("#email-error").inner_text()
    assert page.input_value("#name") == "Druga Restauracja"
    shot(page, "accounts-signup-known-email-pl")
    page.click("text=Zaloguj się i dodaj restaurację")
    page.fill("#email", world_a.owner.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/restaurants/new")
    _polish(page)  # the account's own language is English; this test reads Polish
    assert page.input_value("#locale") == "pl"
    page.fill("#name", "Druga Restauracja")
    shot(page, "accounts-new-restaurant-pl")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("#tenant-select option:checked").inner_text() == "Druga Restauracja"


def test_invitations_in_polish_for_a_new_and_an_existing_account(page, world_a, world_b):
    sign_in(page, world_a.owner)
    _polish(page)
    new_link = _invite(page, "kelner@bistro-alfa.test")
    shot(page, "accounts-invitation-ready-pl")
    known_link = _invite(page, world_b.owner.email)
    _sign_out(page)

    # A new account: a name and a password; a short one is refused, the name stays.
    page.goto(new_link)
    page.fill("#name", "Kuba Kelner")
    page.fill("#password", "krotkie")
    page.click("main button[type=submit]")
    assert "Użyj co najmniej" in page.locator("#password-error").inner_text()
    assert page.input_value("#name") == "Kuba Kelner"
    shot(page, "accounts-invite-new-account-pl")
    page.fill("#password", "kelner-haslo-2026")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator(".tenant-name").inner_text() == "Bistro Alfa"
    _sign_out(page)

    # An existing account: sign in on the sign-in page, then accept with one button.
    page.goto(known_link)
    assert page.locator("input[type=password]").count() == 0
    shot(page, "accounts-invite-sign-in-pl")
    page.click("text=Zaloguj się, aby przyjąć")
    page.wait_for_url(lambda url: "/login?next=" in url)
    page.fill("#email", world_b.owner.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/invite/*")
    _polish(page)  # the account's own language is English; this test reads Polish
    shot(page, "accounts-invite-accept-pl")
    page.click("text=Przyjmij i dołącz do: Bistro Alfa")
    page.wait_for_url("**/")
    assert page.locator("#tenant-select option:checked").inner_text() == "Bistro Alfa"
    shot(page, "accounts-invite-joined-pl")
