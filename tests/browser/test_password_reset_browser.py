"""Password recovery in a Polish browser: the sign-in page's link, the mail received by a real
SMTP server, the link opened, a new password, and the owner lands signed in on the dashboard."""
import pytest

from panel.extensions import db
from panel.models import User

from ..mailserver import body, deliver_mail, smtp_server  # noqa: F401 (fixture)
from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def polish_page(_browser, live_server):
    context = _browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 860}, locale="pl-PL")
    page = context.new_page()
    page.set_default_timeout(8000)
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and "the server responded with a status of 4" not in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    context.close()
    assert not problems, f"browser console errors: {problems}"


def test_password_reset_in_polish(polish_page, app, world_a, smtp_server):
    page = polish_page
    with app.app_context():
        db.session.get(User, world_a.owner.id).locale = "pl"
        db.session.commit()
    page.goto("/login")
    shot(page, "login-pl")
    page.click("text=Nie pamiętasz hasła?")
    assert page.locator("h1").inner_text() == "Nie pamiętam hasła"
    shot(page, "password-forgot-pl")
    page.fill("#email", world_a.owner.email)
    page.click("main button[type=submit]")
    assert page.locator("h1").inner_text() == "Sprawdź skrzynkę e-mail"
    shot(page, "password-forgot-sent-pl")

    deliver_mail(app)
    [msg] = smtp_server.to(world_a.owner.email)
    assert msg["Subject"] == "Ustaw nowe hasło do Regulars"
    link = next(w for w in body(msg).split() if "/password/reset/" in w)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Ustaw nowe hasło"
    page.fill("#new_password", "krótkie")
    page.click("main button[type=submit]")
    assert "Użyj co najmniej 10 znaków." in page.locator(".field.has-error").inner_text()
    shot(page, "password-reset-error-pl")
    page.fill("#new_password", "zupełnie-nowe-hasło-42")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/password/" not in url)
    assert "Nowe hasło zostało ustawione." in page.locator("body").inner_text()
    shot(page, "password-reset-done-pl")
    # The link was used: opening it again explains, in Polish, what to do.
    page.goto(link)
    assert page.locator("h1").inner_text() == "Link jest nieważny"
    shot(page, "password-reset-invalid-pl")
