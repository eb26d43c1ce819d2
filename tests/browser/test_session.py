"""Sessions in the browser: silent token refresh, an expired session → login → back where the user
was, logout; the phone-sized layout and the Kazakh switch."""
import json
import re

from playwright.sync_api import expect


def session(page) -> dict:
    return json.loads(page.evaluate("localStorage.getItem('pedatt.session')") or "null") or {}


def set_session(page, data: dict):
    page.evaluate("s => localStorage.setItem('pedatt.session', JSON.stringify(s))", data)


def test_silent_refresh_then_expiry_returns_to_the_page(ui):
    page = ui.page
    ui.login("teacher")
    ui.shot("home")
    page.click("nav >> text=Профиль")
    expect(page.locator("[data-testid=profile-form]")).to_be_visible()

    # the access token is no longer accepted: the client renews it with the refresh token, silently
    before = session(page)
    set_session(page, {**before, "access_token": "expired.or.revoked"})
    page.click("nav >> text=Правила")
    expect(page.locator("[data-testid=rules-edition]")).to_be_visible()
    after = session(page)
    assert after["access_token"] not in ("expired.or.revoked", before["access_token"])
    assert after["refresh_token"] != before["refresh_token"]  # rotated
    ui.shot("refreshed-silently")

    # the refresh token is gone too: to the login page, and back to where the user was
    set_session(page, {**after, "access_token": "expired", "refresh_token": "revoked"})
    page.click("nav >> text=Профиль")
    expect(page).to_have_url(re.compile(r"/login\?expired=1&next=%2Fteacher%2Fprofile"))
    expect(page.locator(".alert-warn")).to_contain_text("Сеанс истёк")
    ui.shot("session-expired")
    ui.login("teacher", expect_home=False)
    expect(page).to_have_url(re.compile(r"/teacher/profile$"))
    expect(page.locator("[data-testid=profile-form]")).to_be_visible()
    ui.shot("back-where-it-was")

    # logout ends the session; a protected page asks to log in again
    page.click("[data-testid=logout]")
    expect(page).to_have_url(re.compile(r"/login"))
    assert session(page) == {}
    page.goto("/teacher/applications")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    assert not ui.errors, ui.errors


def test_phone_layout_kazakh_and_local_formats(ui_factory):
    ui = ui_factory(mobile=True)
    page = ui.page
    ui.login("teacher")
    ui.shot("phone-home")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    expect(page.locator("nav.sidenav")).to_be_hidden()
    page.click("button.menu-toggle")
    expect(page.locator("nav.sidenav")).to_be_visible()
    ui.shot("phone-menu")
    page.click("nav >> text=Профиль")
    expect(page.locator("nav.sidenav")).to_be_hidden()
    form = page.locator("[data-testid=profile-form]")
    expect(form).to_be_visible()
    until = form.locator("input[name=category_valid_until]").input_value()
    if until:  # ISO in the input, local dd.mm.yyyy beside it
        y, m, d = until.split("-")
        expect(form).to_contain_text(f"{d}.{m}.{y}")
    ui.shot("phone-profile")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.click("[data-testid=lang-kk]")
    expect(page.locator("h1")).to_have_text("Профиль")
    expect(form).to_contain_text("Ағымдағы санат")
    assert page.evaluate("document.documentElement.lang") == "kk"
    if until:
        expect(form).to_contain_text(f"{d}.{m}.{y}")  # local date format in Kazakh too
    ui.shot("phone-profile-kk")
    page.reload()
    expect(page.locator("[data-testid=profile-form]")).to_contain_text("Ағымдағы санат")  # remembered
    page.click("[data-testid=lang-ru]")
    expect(page.locator("[data-testid=profile-form]")).to_contain_text("Текущая категория")
    assert not ui.errors, ui.errors
