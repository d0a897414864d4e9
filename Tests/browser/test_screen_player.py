"""The screen player in a real browser: its canvas against ScreenRenderer, seeking, the
indicator list, keys, skip inactivity, the pointer and clicks.

Data: {"user", "password", "id": UUID, "deepLink": "0:07.5",
       "expected": [{"timeMicros", "width", "height", "rgb": FILE of ScreenRenderer's RGB}…]
                   (the first is the deep link's moment),
       "bound": {"maxDifferingFraction", "maxChannelDifference"},
       "firstClickMicros", "idle": [FROM, TO], "durationMicros", "hostile": TEXT}
"""

import base64
import time

from psrec_browser import check, run

CANVAS_RGBA = """
const c = document.getElementById('sp-screen');
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let s = '';
for (let i = 0; i < d.length; i += 0x8000) { s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000)); }
return [c.width, c.height, btoa(s)];
"""

SEEK = """
const done = arguments[arguments.length - 1];
window.psrecScreenPlayer.seek(arguments[0]).then(done, e => done({error: String(e)}));
"""


def state(browser):
    return browser.script("return window.psrecScreenPlayer.state()")


def compare(browser, want, bound, what):
    """The canvas against ScreenRenderer's RGB at the same moment; returns the differences."""
    width, height, encoded = browser.script(CANVAS_RGBA)
    check((width, height) == (want["width"], want["height"]),
          f"{what}: the canvas is {width}x{height}, ScreenRenderer draws {want['width']}x{want['height']}")
    rgba = base64.b64decode(encoded)
    with open(want["rgb"], "rb") as f:
        rgb = f.read()
    differing, largest = 0, 0
    for p in range(width * height):
        a, b = rgba[p * 4:p * 4 + 3], rgb[p * 3:p * 3 + 3]
        if a != b:
            differing += 1
            largest = max(largest, max(abs(x - y) for x, y in zip(a, b)))
    fraction = differing / (width * height)
    check(fraction <= bound["maxDifferingFraction"] and largest <= bound["maxChannelDifference"],
          f"{what}: {differing} of {width * height} pixels differ from ScreenRenderer (by up to {largest}); "
          f"the bound is {bound['maxDifferingFraction'] * 100} % by {bound['maxChannelDifference']}")
    return differing, largest


def overlay_drawn(browser, x, y):
    """Whether the overlay canvas (pointer, click rings) has paint near (x, y)."""
    return browser.script("""
        const o = document.getElementById('sp-overlay'), x = arguments[0], y = arguments[1];
        const x0 = Math.max(0, x - 12), y0 = Math.max(0, y - 12);
        const d = o.getContext('2d').getImageData(x0, y0, Math.min(40, o.width - x0), Math.min(40, o.height - y0)).data;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) { return true; } }
        return false;""", x, y)


def test(browser, data):
    browser.login(data["user"], data["password"])
    bound, expected = data["bound"], data["expected"]
    results = []

    # The deep link opens the player at that moment.
    started = time.monotonic()
    browser.get(f"/recordings/{data['id']}?t={data['deepLink']}")
    browser.wait(lambda d: d.execute_script("return !!(window.psrecScreenPlayer && window.psrecScreenPlayer.state().ready)"),
                 "the screen player to show its first frame")
    first_frame = time.monotonic() - started
    s = state(browser)
    check(s["timeMicros"] == expected[0]["timeMicros"], f"the deep link {data['deepLink']} opened at {s['timeMicros']} µs")
    check(s["requests"] == 2, f"opening fetched {s['requests']} resources; the index and one segment are enough")
    check(not s["error"], f"the player reports an error: {s['error']}")
    results.append(compare(browser, expected[0], bound, "at the deep link"))
    check(browser.script("return window.psrecInjected === undefined"), "a script from hostile metadata ran")
    check(data["hostile"] in browser.text("main"), "the hostile application name is not shown as text")

    # Seeks forward and back, across segments and keyframes, to the end.
    for want in expected[1:-1]:
        s = browser.driver.execute_async_script(SEEK, want["timeMicros"])
        check("error" not in s or not s["error"], f"seeking to {want['timeMicros']} µs failed: {s}")
        check(s["timeMicros"] == want["timeMicros"], f"seeking to {want['timeMicros']} µs shows {s['timeMicros']} µs")
        results.append(compare(browser, want, bound, f"at {want['timeMicros']} µs"))
        if s["pointer"]:
            check(overlay_drawn(browser, s["pointer"]["x"], s["pointer"]["y"]), f"the pointer is not drawn at {s['pointer']}")

    # The indicator list: the first click seeks there, and a ring is drawn where it happened.
    browser.driver.execute_async_script(SEEK, 0)
    click = data["firstClickMicros"]
    buttons = browser.find_all("#sp-indicators button")
    check(len(buttons) >= 3 and "click at" in buttons[0].text, f"the indicator list is {[b.text for b in buttons[:3]]}")
    buttons[0].click()
    browser.wait(lambda d: d.execute_script("return window.psrecScreenPlayer.state().timeMicros") == click,
                 "the first click in the list to seek to its moment")
    time.sleep(0.2)
    results.append(compare(browser, expected[-1], bound, "at the first click, from the list"))
    s = state(browser)
    check(s["pointer"] is not None and overlay_drawn(browser, s["pointer"]["x"], s["pointer"]["y"]),
          f"no pointer or click ring drawn where the click happened ({s['pointer']})")
    browser.screenshot("screen-player")

    # Keys as in asciinema-player: ] next indicator, + faster, - slower, → 5 s on, space plays.
    body = browser.find("body")
    body.send_keys("]")
    browser.wait(lambda d: d.execute_script("return window.psrecScreenPlayer.state().timeMicros") > click,
                 "] to jump to the next indicator")
    body.send_keys("+")
    check(state(browser)["speed"] == 2, f"+ made the speed {state(browser)['speed']}, not 2")
    body.send_keys("-")
    check(state(browser)["speed"] == 1, "- did not bring the speed back to 1")
    before = state(browser)["timeMicros"]
    body.send_keys("\ue014")  # ArrowRight
    browser.wait(lambda d: d.execute_script("return window.psrecScreenPlayer.state().timeMicros") == before + 5_000_000,
                 "→ to seek 5 s on")

    # Play at 4× from just before the idle stretch: skip inactivity (on by default, over 2 s)
    # jumps the 6 s without activity, so the player is past it within a second and a half.
    idle_from, idle_to = data["idle"]
    browser.driver.execute_async_script(SEEK, idle_from - 500_000)
    browser.find("#sp-speed option[value='4']").click()
    body.send_keys(" ")
    browser.wait(lambda d: d.execute_script("return window.psrecScreenPlayer.state().timeMicros") > idle_to,
                 "playback with skip inactivity to pass the idle stretch", timeout=1.5)
    s = state(browser)
    check(s["playing"] and s["speed"] == 4 and s["skipInactivity"], f"the player state while playing is {s}")
    body.send_keys(" ")
    check(not state(browser)["playing"], "space did not pause")

    errors = browser.console_errors()
    check(not errors, "the browser console has errors: " + "; ".join(errors))
    differing = max(r[0] for r in results)
    largest = max(r[1] for r in results)
    print(f"screen player: {len(results)} moments compared with ScreenRenderer; largest difference {differing} pixels, "
          f"{largest} per channel; first frame {first_frame * 1000:.0f} ms after the page started loading")


run(test)
