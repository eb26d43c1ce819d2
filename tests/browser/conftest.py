"""Browser tests: Debian's Chromium driven by Playwright against the real dev stack.

Chromium is the system one (``apt-get install chromium``); Playwright's own browser download is
never used. Screenshots of every step go to ``tests/artifacts/browser/<test>/``."""
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser.ncalayer_standin import NCALayerStandIn

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
CHROMIUM = os.environ.get("PEDATT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--lang=ru-RU"]
PASSWORD = "Demo-Pass-2026"
ACCOUNTS = {role: f"{role}@demo.pedatt.kz" for role in ("admin", "teacher", "director", "assessor", "platform")}


def build_web() -> None:
    """Build web/dist if a source changed (``make run``/``make test`` run the same script)."""
    subprocess.run(["bash", str(WEB / "build.sh")], check=True, stdout=subprocess.DEVNULL)
    if not (WEB / "dist" / "index.html").is_file():
        pytest.skip("the web client is not built (npm missing?)")


@pytest.fixture(scope="session")
def web_stack(stack):
    build_web()
    return stack


@pytest.fixture(scope="session")
def playwright_instance():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    manager = sync_playwright()
    yield manager.start()
    # The root conftest monkey-patches with eventlet (for the service tests); under it Playwright's
    # orderly stop waits forever for the driver's exit. The browser is closed by then: end the
    # driver process directly instead of calling ``manager.__exit__``.
    proc = getattr(getattr(getattr(manager, "_client", None), "_transport", None), "_proc", None)
    if proc is not None and proc.returncode is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def ncalayer(tmp_path_factory):
    standin = NCALayerStandIn(tmp_path_factory.mktemp("ncalayer")).start()
    yield standin
    standin.stop()


class UI:
    """One browser context (one person at one device) with screenshots per step."""

    def __init__(self, browser, base_url: str, shots: Path, ncalayer_url: str | None, mobile=False):
        options = {"locale": "ru-RU", "timezone_id": "Asia/Almaty"}
        if mobile:
            options.update(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                           is_mobile=True, has_touch=True)
        else:
            options.update(viewport={"width": 1280, "height": 900})
        self.context = browser.new_context(base_url=base_url, **options)
        self.context.set_default_timeout(15000)
        if ncalayer_url:
            self.context.add_init_script(
                f"localStorage.setItem('pedatt.ncalayerUrl', {ncalayer_url!r});")
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.shots = shots
        self.step = 0
        self.base_url = base_url

    def shot(self, name: str):
        self.step += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^a-zA-Z0-9_-]+", "-", name)
        self.page.screenshot(path=str(self.shots / f"{self.step:02d}-{safe}.png"), full_page=True)

    def goto(self, path: str):
        self.page.goto(path)

    def login(self, who: str, password: str = PASSWORD, expect_home=True):
        page = self.page
        if "/login" not in page.url:
            page.goto("/login")
        page.fill("input[name=login]", ACCOUNTS.get(who, who))
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        if expect_home:
            page.wait_for_selector("[data-testid=user-name]", state="attached")

    def logout(self):
        self.page.click("[data-testid=logout]") if self.page.is_visible("[data-testid=logout]") else None
        if "/login" not in self.page.url:
            self.page.goto("/login")
        self.context.clear_cookies()
        self.page.evaluate("localStorage.removeItem('pedatt.session')")

    def close(self):
        self.context.close()


@pytest.fixture
def ui_factory(browser, web_stack, request):
    made = []
    shots = ARTIFACTS / re.sub(r"[^a-zA-Z0-9_-]+", "-", request.node.name)
    if shots.is_dir():
        shutil.rmtree(shots)

    def make(ncalayer_url=None, mobile=False, suffix=""):
        ui = UI(browser, web_stack.gateway_url, shots if not suffix else shots / suffix, ncalayer_url, mobile)
        made.append(ui)
        return ui

    yield make
    for ui in made:
        if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
            try:
                ui.shot("failure")
            except Exception:  # noqa: BLE001 - best effort
                pass
        ui.close()


@pytest.fixture
def ui(ui_factory):
    return ui_factory()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def wait_until(predicate, timeout=15.0, interval=0.25, page=None):
    """Poll ``predicate``. With ``page``, wait between polls inside the browser (page.wait_for_timeout):
    the test process is monkey-patched by eventlet, whose sleep does not mix with Playwright's loop."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if page is not None:
            page.wait_for_timeout(interval * 1000)
        else:
            time.sleep(interval)
    raise AssertionError("condition not met in time")
