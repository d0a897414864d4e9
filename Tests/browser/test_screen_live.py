"""The screen player's live view in a real browser: it follows a recording whose chunks
the Swift test commits while the page is open, jumps back and returns to the live edge,
and says when the session is interrupted.

Data: {"user", "password", "id": UUID of a recording being streamed,
       "signal": a file to create when the test may mark the recording interrupted}
"""

from psrec_browser import check, run


def state(browser):
    return browser.script("return window.psrecScreenPlayer.state()")


def test(browser, data):
    browser.login(data["user"], data["password"])
    browser.get(f"/recordings/{data['id']}")
    browser.wait(lambda d: d.execute_script("return !!(window.psrecScreenPlayer && window.psrecScreenPlayer.state().ready)"),
                 "the live screen player to show its first frame")
    s = state(browser)
    check(s["live"] and s["recordingState"] == "live", f"the player does not see a live recording: {s}")
    check(s["followingLive"] and s["playing"], f"a live recording does not open at its live edge, playing: {s}")
    check("Live" in browser.text("#sp-status"), f"the status line says {browser.text('#sp-status')!r}")
    first = s["durationMicros"]

    # Chunks arrive: the duration grows and the player follows the edge.
    browser.wait(lambda d: d.execute_script("return window.psrecScreenPlayer.state().durationMicros") > first + 3_000_000,
                 "the live recording to grow by 3 s as chunks are committed", timeout=30)
    browser.wait(lambda d: d.execute_script("const s = window.psrecScreenPlayer.state(); return s.timeMicros > s.durationMicros - 2500000"),
                 "the player to follow the live edge")

    # Jump back 5 s: no longer at the edge; "Go live" returns there.
    browser.find("body").send_keys("\ue012")  # ArrowLeft
    browser.wait(lambda d: not d.execute_script("return window.psrecScreenPlayer.state().followingLive"), "← to leave the live edge")
    browser.wait(lambda d: d.find_element("id", "sp-live").is_displayed(), "the Go live button")
    browser.find("#sp-live").click()
    browser.wait(lambda d: d.execute_script("return window.psrecScreenPlayer.state().followingLive"), "Go live to return to the edge")

    # The capture host stops: the page says the session was interrupted.
    open(data["signal"], "w").close()
    browser.wait(lambda d: "interrupted" in d.find_element("id", "sp-status").text, "the page to say the session was interrupted", timeout=40)
    s = state(browser)
    check(not s["live"] and s["recordingState"] == "interrupted", f"after the interruption the state is {s}")
    browser.screenshot("screen-player-live")
    errors = browser.console_errors()
    check(not errors, "the browser console has errors: " + "; ".join(errors))
    print(f"screen live: followed the recording from {first / 1e6:.1f} s to {s['durationMicros'] / 1e6:.1f} s; interrupted shown")


run(test)
