"""The web client's shell in a real browser: served at /, SPA fallback, login errors, languages."""
import re

from playwright.sync_api import expect


def test_served_with_spa_fallback_and_api_untouched(web_stack, gateway):
    index = gateway.get("/")
    assert index.status_code == 200 and "text/html" in index.headers["Content-Type"]
    assert '<div id="root">' in index.text
    deep = gateway.get("/teacher/applications/123")
    assert deep.status_code == 200 and '<div id="root">' in deep.text
    api_404 = gateway.get("/api/v1/no-such-thing")
    assert api_404.status_code == 404 and api_404.json()["error"] == "NOT_FOUND"
    assert gateway.get("/healthz").json() == {"status": "ok"}


def test_login_page_russian_then_kazakh_and_bad_password(ui):
    page = ui.page
    ui.goto("/teacher/applications")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fteacher%2Fapplications"))
    expect(page.locator("h2")).to_have_text("Вход в систему")
    ui.shot("login-ru")
    page.click("text=Қаз")
    expect(page.locator("h2")).to_have_text("Жүйеге кіру")
    ui.shot("login-kk")
    page.click("text=Рус")
    page.fill("input[name=login]", "teacher@demo.pedatt.kz")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    error = page.locator("[data-testid=error]")
    expect(error).to_be_visible()
    text = error.inner_text()
    assert "{" not in text and "Traceback" not in text
    ui.shot("login-error")
    assert not ui.errors
