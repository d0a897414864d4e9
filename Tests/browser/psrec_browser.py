"""Shared pieces of psrec's browser tests: headless Chromium from Debian driven by Selenium.

A test script is run by a Swift test (Tests/PsrecWebTests/BrowserTests.swift and others)
against a web server that test started, with:

    PSREC_WEB_URL            the server, e.g. http://127.0.0.1:41234
    PSREC_BROWSER_ARTIFACTS  a folder for screenshots (kept for failures, and the README's)
    PSREC_TEST_DATA          JSON the Swift test passes (users, passwords, recording IDs…)

A script calls `run(test)`: `test(browser, data)` raises (an AssertionError with a sentence)
to fail. A failure keeps a screenshot and the page source in the artifacts folder and exits
with status 1; success exits 0. Only one browser runs at a time on the machine (a lock
file), so that tests run in parallel do not starve each other on two cores.
"""

import fcntl
import json
import os
import sys
import tempfile
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Browser:
    """One headless Chromium with a fresh profile, and helpers for psrec's pages."""

    def __init__(self, base_url, artifacts, name):
        self.base_url = base_url.rstrip("/")
        self.artifacts = artifacts
        self.name = name
        self.profile = tempfile.TemporaryDirectory(prefix="psrec-chromium-")
        options = Options()
        options.binary_location = CHROMIUM
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                         "--user-data-dir=" + self.profile.name, "--no-first-run", "--disable-extensions",
                         "--disable-background-networking", "--disable-sync", "--lang=en-US"]:
            options.add_argument(argument)
        # Console messages (CSP violations, script errors) are read back by `console_errors`.
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(30)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            self.profile.cleanup()

    # Pages

    def get(self, path):
        self.driver.get(self.base_url + path)

    def login(self, user, password):
        """Logs in through the login form and checks that the search page follows."""
        self.get("/login")
        self.find("input[name=user]").send_keys(user)
        self.find("input[name=password]").send_keys(password)
        self.find("form.login button[type=submit], form.login input[type=submit]").click()
        self.wait(lambda d: d.current_url.rstrip("/") == self.base_url, "the search page after logging in as " + user)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css="body"):
        return self.find(css).text

    def script(self, source, *arguments):
        return self.driver.execute_script(source, *arguments)

    def wait(self, condition, what, timeout=15):
        """Waits until `condition(driver)` is true; fails naming `what`."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition)
        except TimeoutException:
            raise AssertionError(f"waited {timeout} s for {what}; it did not happen") from None

    def console_errors(self):
        """The browser console's errors since the last call: script exceptions and CSP
        violations. "Failed to load resource" lines are left out: a page answered 403 or
        401 on purpose is one, and the tests check statuses themselves."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry.get("level") == "SEVERE" and "Failed to load resource" not in entry["message"]]

    def screenshot(self, name):
        """Saves a PNG of the window as ARTIFACTS/NAME.png and returns its path."""
        os.makedirs(self.artifacts, exist_ok=True)
        path = os.path.join(self.artifacts, name + ".png")
        self.driver.save_screenshot(path)
        return path


def check(condition, sentence):
    if not condition:
        raise AssertionError(sentence)


def run(test):
    """Runs `test(browser, data)` with the environment the Swift test gives; exits 0 or 1."""
    base_url = os.environ["PSREC_WEB_URL"]
    artifacts = os.environ.get("PSREC_BROWSER_ARTIFACTS") or tempfile.mkdtemp(prefix="psrec-browser-")
    data = json.loads(os.environ.get("PSREC_TEST_DATA") or "{}")
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    os.makedirs(artifacts, exist_ok=True)
    with open(os.path.join(tempfile.gettempdir(), "psrec-browser.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        browser = Browser(base_url, artifacts, name)
        try:
            test(browser, data)
        except Exception:
            traceback.print_exc()
            try:
                shot = browser.screenshot("failure-" + name)
                with open(os.path.join(artifacts, "failure-" + name + ".html"), "w") as page:
                    page.write(browser.driver.page_source)
                print(f"{name}: failed; screenshot {shot}, page at {browser.driver.current_url}", file=sys.stderr)
                for message in browser.console_errors():
                    print("console: " + message, file=sys.stderr)
            except Exception as error:  # the browser itself may be gone
                print(f"{name}: no screenshot: {error}", file=sys.stderr)
            sys.exit(1)
        finally:
            browser.quit()
        print(f"{name}: passed in {time.monotonic() - started:.1f} s")
