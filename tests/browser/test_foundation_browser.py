"""Sign-up, sign-in, tenant switch and language switch in a real browser."""
import pytest

from ..factories import join_tenant
from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


def test_signup_creates_tenant_and_lands_on_dashboard(page):
    page.goto("/signup")
    shot(page, "signup")
    page.fill("#name", "Pierogarnia Łódź")
    page.select_option("#country", "PL")
    page.select_option("#locale", "pl")
    page.fill("#owner_name", "Zofia Dvořák")
    page.fill("#email", "zofia@pierogarnia.test")
    page.fill("#password", "short")
    page.click("main button[type=submit]")
    # A weak password is refused; what was typed stays.
    assert page.locator("#password-error").is_visible()
    assert page.input_value("#name") == "Pierogarnia Łódź"
    page.fill("#password", "a-much-longer-password")
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator(".tenant-name").inner_text() == "Pierogarnia Łódź"
    # The owner chose Polish at sign-up: the panel speaks Polish.
    assert page.locator("html").get_attribute("lang") == "pl"
    shot(page, "dashboard-pl")


def test_signup_currency_follows_the_country_until_chosen(page):
    page.goto("/signup")
    page.select_option("#country", "CZ")
    assert page.input_value("#currency") == "CZK"
    page.select_option("#country", "PL")
    assert page.input_value("#currency") == "PLN"
    page.select_option("#currency", "EUR")
    page.select_option("#country", "CZ")
    assert page.input_value("#currency") == "EUR"


def test_login_wrong_password_then_right(page, world_a):
    page.goto("/login")
    page.fill("#email", world_a.owner.email)
    page.fill("#password", "wrong-password")
    page.click("main button[type=submit]")
    assert "Wrong e-mail or password." in page.locator("#password-error").inner_text()
    assert page.input_value("#email") == world_a.owner.email
    shot(page, "login-error")
    sign_in(page, world_a.owner)
    assert page.locator(".tenant-name").inner_text() == "Bistro Alfa"


def test_tenant_switch_and_language_switch(page, app, world_a, world_b):
    with app.app_context():
        join_tenant(world_b.tenant_id, world_a.owner.email, "manager")
    sign_in(page, world_a.owner)
    page.select_option("#tenant-select", label="Hospoda Beta")
    page.wait_for_load_state("networkidle")
    assert "Hospoda Beta" in page.locator(".page-head h1").inner_text()
    # The manager role in Beta hides the owner-only pages.
    assert page.locator(".sidenav a", has_text="Users").count() == 0
    page.click("button.lang[value=cs]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "cs"
    shot(page, "dashboard-cs")
    page.click("button.lang[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
