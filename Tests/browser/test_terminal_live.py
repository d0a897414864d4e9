"""The terminal player's live view in a real browser: a recording a capture host streams
while the page is open. At the live edge the page follows what arrives; it can jump back
(the screen then is the emulator's at that moment); it says when the session has ended,
and then shows the session's last screen.

Data: {"user", "password", "live": UUID, "back": µs, "backLines": [ROW…],
       "endLines": [ROW…], "fullDuration": µs}
"""

from psrec_browser import check, run


def state(browser):
    return browser.script("return window.psrecPlayer ? window.psrecPlayer.state() : null")


def rows(browser):
    return [line.rstrip() for line in browser.script("return window.psrecPlayer.screenText()")]


def test(browser, data):
    browser.login(data["user"], data["password"])
    browser.get("/recordings/" + data["live"])
    browser.wait(lambda d: (state(browser) or {}).get("ready") and state(browser)["state"] == "live", "the live recording's page")
    check(browser.text("#tp-status").startswith("Live"), "the page does not say the session is live: " + browser.text("#tp-status"))
    first = state(browser)
    check(first["playing"] and first["positionMicros"] >= first["durationMicros"] - 1000000,
          f"the page does not start at the live edge: {first}")

    # Chunks arrive: the duration grows and the page follows the edge.
    browser.wait(lambda d: state(browser)["durationMicros"] > first["durationMicros"] + 5000000, "the duration to grow", timeout=30)
    browser.wait(lambda d: state(browser)["positionMicros"] >= state(browser)["durationMicros"] - 2000000,
                 "the page to follow the live edge", timeout=10)

    # Jump back while it is live: the screen is the emulator's at that moment, and the page stays there.
    result = browser.driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "window.psrecPlayer.pause(); window.psrecPlayer.seek(arguments[0]).then(function () { done('ok'); }, function (e) { done(String(e)); });",
        data["back"])
    check(result == "ok", "the jump back failed: " + str(result))
    browser.wait(lambda d: state(browser)["ready"], "the screen after jumping back")
    shown, wanted = rows(browser), [line.rstrip() for line in data["backLines"]]
    check(shown == wanted, f"after jumping back the terminal shows {shown[:6]}…, the emulator {wanted[:6]}…")
    check(state(browser)["positionMicros"] == data["back"], "the page did not stay where the auditor jumped")
    browser.screenshot("terminal-live")

    # The session ends: the page says so; End goes to the last screen, which is the emulator's.
    browser.wait(lambda d: "ended" in browser.text("#tp-status"), "the page to say the session ended", timeout=90)
    check(state(browser)["state"] == "complete", "the state is not complete after the end")
    browser.find("body").send_keys("\ue010")  # End
    browser.wait(lambda d: state(browser)["ready"] and state(browser)["positionMicros"] == data["fullDuration"], "End to the session's end")
    shown, wanted = rows(browser), [line.rstrip() for line in data["endLines"]]
    check(shown == wanted, f"at the end the terminal shows {shown[:6]}…, the emulator {wanted[:6]}…")

    errors = browser.console_errors()
    check(not errors, "the browser console has errors: " + "; ".join(errors))


run(test)
