"""The terminal player in a real browser: play with skip inactivity, indicators, a far seek
in a long recording, a deep link and the keys; the terminal's text is compared with what
psrec's own emulator gives at the same moment (TerminalScreen.replaying, visible rows).

Data: {"user", "password", "short": UUID, "long": UUID,
       "indicators": [{"t": µs, "detail", "lines": [ROW…]}…], "gapStart": µs, "gapEnd": µs,
       "far": µs, "farLines": [ROW…], "deepLinkSeconds": N, "deepLinkLines": [ROW…],
       "durationMicros": µs}
"""

import time

from psrec_browser import check, run
from selenium.webdriver.common.keys import Keys


def state(browser):
    return browser.script("return window.psrecPlayer ? window.psrecPlayer.state() : null")


def wait_ready(browser, what):
    browser.wait(lambda d: (state(browser) or {}).get("ready"), what)
    return state(browser)


def screen(browser):
    return browser.script("return window.psrecPlayer.screenText()")


def same_screen(browser, expected, what):
    shown = [line.rstrip() for line in screen(browser)]
    wanted = [line.rstrip() for line in expected]
    if shown != wanted:
        diff = [f"row {i}: shown {a!r}, emulator {b!r}" for i, (a, b) in enumerate(zip(shown, wanted)) if a != b]
        raise AssertionError(f"{what}: the terminal differs from the emulator's screen ({len(shown)} rows shown, "
                             f"{len(wanted)} expected): " + "; ".join(diff[:5]))


def seek(browser, micros):
    """Seeks through the page's hook; returns the milliseconds until the screen is drawn."""
    started = time.monotonic()
    result = browser.driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "window.psrecPlayer.seek(arguments[0]).then(function () { done('ok'); }, function (e) { done(String(e)); });", micros)
    check(result == "ok", f"seek to {micros} failed: {result}")
    wait_ready(browser, f"the screen at {micros} µs")
    return (time.monotonic() - started) * 1000


def test(browser, data):
    browser.login(data["user"], data["password"])

    # The short recording: the player starts at 0, paused, with the indicators on the bar.
    browser.get("/recordings/" + data["short"])
    first = wait_ready(browser, "the player's first screen")
    check(first["positionMicros"] == 0 and not first["playing"], f"the player does not start paused at 0: {first}")
    check(first["durationMicros"] >= data["durationMicros"], f"duration {first['durationMicros']} is short of {data['durationMicros']}")
    check(len(browser.find_all("#tp-markers .tp-marker")) == len(data["indicators"]), "the seek bar does not mark every indicator")
    check(browser.find("#tp-skip").is_selected(), "skip inactivity is not on by default")
    check("UTC" in browser.text("#tp-clock"), "the real clock time is not shown")

    # Play with skip inactivity: a 12 s pause at 2× takes well under its 6 s.
    seek(browser, data["gapStart"] - 300000)
    browser.find("#tp-faster").click()
    check(state(browser)["speed"] == 2, "the + button did not make it 2×")
    browser.find("#tp-play").click()
    started = time.monotonic()
    browser.wait(lambda d: state(browser)["positionMicros"] >= data["gapEnd"], "playing past the idle gap", timeout=20)
    skipped_in = time.monotonic() - started
    check(skipped_in < 4.0, f"the 12 s idle gap took {skipped_in:.1f} s at 2× with skip inactivity on")
    # The speed changes while playing.
    browser.find("#tp-faster").click()
    check(state(browser)["playing"] and state(browser)["speed"] == 4, "the speed did not change while playing")
    browser.find("#tp-play").click()
    check(not state(browser)["playing"], "pause did not pause")

    # Each indicator in the list seeks to its moment, where the terminal shows the emulator's screen.
    for indicator in data["indicators"]:
        button = browser.find(f"#tp-indicators button[data-t='{indicator['t']}']")
        button.click()
        browser.wait(lambda d: state(browser)["positionMicros"] == indicator["t"] and state(browser)["ready"],
                     f"the seek to the indicator {indicator['detail']!r}")
        same_screen(browser, indicator["lines"], f"at the indicator {indicator['detail']!r}")
    check(indicator["detail"] in browser.text("#tp-indicators"), "the indicator list does not show the details")

    # Keys: [ goes to the previous indicator, ] to the next, space plays and pauses.
    body = browser.find("body")
    body.send_keys("[")
    browser.wait(lambda d: state(browser)["positionMicros"] == data["indicators"][-2]["t"] and state(browser)["ready"], "[ to the previous indicator")
    same_screen(browser, data["indicators"][-2]["lines"], "after [")
    body.send_keys("]")
    browser.wait(lambda d: state(browser)["positionMicros"] == data["indicators"][-1]["t"] and state(browser)["ready"], "] to the next indicator")
    body.send_keys(" ")
    browser.wait(lambda d: state(browser)["playing"], "space to play")
    body.send_keys(" ")
    browser.wait(lambda d: not state(browser)["playing"], "space to pause")
    before = state(browser)["positionMicros"]
    body.send_keys(Keys.ARROW_LEFT)
    browser.wait(lambda d: abs(state(browser)["positionMicros"] - max(0, before - 5000000)) < 2 and state(browser)["ready"], "← to 5 s back")

    # In-recording search: a hit seeks to its moment.
    browser.find("#tp-q").send_keys("file123")
    browser.find("#tp-search button[type=submit]").click()
    browser.wait(lambda d: len(d.find_elements("css selector", "#tp-hits li")) > 0, "a search hit")
    check("file123" in browser.text("#tp-hits mark"), "the hit does not mark the word")
    hit_time = int(browser.find("#tp-hits li").get_attribute("data-t"))
    browser.wait(lambda d: state(browser)["positionMicros"] == hit_time and state(browser)["ready"], "the seek to the first hit")
    check(any("file123" in line for line in screen(browser)), "the screen at the hit does not show the word")

    # The player at a moment, for the README.
    seek(browser, data["indicators"][1]["t"])
    browser.screenshot("terminal-player")

    # The long recording: a seek to 90 % fetches one segment and shows the emulator's screen.
    browser.get("/recordings/" + data["long"])
    wait_ready(browser, "the long recording's first screen")
    fetched_before = state(browser)["bytesFetched"]
    took = seek(browser, data["far"])
    same_screen(browser, data["farLines"], "at 90 % of the long recording")
    fetched = state(browser)["bytesFetched"] - fetched_before
    check(fetched <= 2000000, f"showing one moment fetched {fetched} bytes")
    print(f"long recording: seek to 90 % drawn in {took:.0f} ms, {fetched} bytes fetched")

    # A deep link opens the player at that moment.
    browser.get(f"/recordings/{data['short']}?t={data['deepLinkSeconds']}")
    browser.wait(lambda d: (state(browser) or {}).get("ready") and state(browser)["positionMicros"] == data["deepLinkSeconds"] * 1000000,
                 "the deep link's moment")
    same_screen(browser, data["deepLinkLines"], "at the deep link's moment")

    errors = browser.console_errors()
    check(not errors, "the browser console has errors: " + "; ".join(errors))


run(test)
