"""Every page in the navigation, in all three languages: it renders without console errors,
says which language it is in, and is reachable by keyboard from the skip link."""
import pytest

from .conftest import shot, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["pl", "cs", "en"])
def test_every_navigation_page_in_each_language(page, world_a, locale):
    sign_in(page, world_a.owner)
    page.click(f"button.lang[value={locale}]")
    page.wait_for_load_state("networkidle")
    links = page.locator(".sidenav a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 5
    for href in hrefs:
        page.goto(href)
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("h1").first.is_visible()
        assert page.locator(f'.sidenav a[href="{href}"][aria-current="page"]').count() == 1
        name = href.strip("/").replace("/", "-") or "dashboard"
        shot(page, f"page-{name}-{locale}")


def test_skip_link_is_the_first_stop_and_jumps_to_content(page, world_a):
    sign_in(page, world_a.owner)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skip-link" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
