"""Measures the web players in headless Chromium for Benchmarks/run (issue 13 §8); run with
Debian's python3 (python3-selenium). Prints one JSON object.

    web_player.py URL USER PASSWORD UUID RUNS

For each of RUNS fresh page loads of /recordings/UUID:
  first_frame_ms  from the start of navigation (performance.timeOrigin) to the first moment
                  drawn (the player's `psrec-first-frame` performance mark)
  open_bytes      bytes of the player's API answers (index and segment) for that first moment
  seek_ms         from asking the player for 90 % of the duration to that moment drawn
  seek_bytes      bytes of the API answers fetched for that seek
Medians, and the maximum of the byte counts.
"""

import json
import statistics
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, user, password, uuid, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
profile = tempfile.TemporaryDirectory(prefix="psrec-bench-chromium-")
options = Options()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900", "--user-data-dir=" + profile.name]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_script_timeout(120)

API_BYTES = """
return performance.getEntriesByType('resource').filter(function (e) { return e.name.indexOf('/api/') >= 0; })
  .reduce(function (sum, e) { return sum + (e.encodedBodySize || e.transferSize || 0); }, 0);
"""
HOOK = "(window.psrecPlayer || window.psrecScreenPlayer)"

try:
    driver.get(url + "/login")
    driver.find_element(By.CSS_SELECTOR, "input[name=user]").send_keys(user)
    driver.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)
    results = {"first_frame_ms": [], "open_bytes": [], "seek_ms": [], "seek_bytes": []}
    for _ in range(runs + 1):  # the first is a warm-up (the browser's own start-up, the server's caches)
        driver.get(url + "/recordings/" + uuid)
        WebDriverWait(driver, 120, poll_frequency=0.02).until(
            lambda d: d.execute_script("return performance.getEntriesByName('psrec-first-frame').length > 0"))
        first = driver.execute_script("return performance.getEntriesByName('psrec-first-frame')[0].startTime")
        opened = driver.execute_script(API_BYTES)
        driver.execute_script("performance.clearResourceTimings(); performance.setResourceTimingBufferSize(10000);")
        seek = driver.execute_async_script("""
            var done = arguments[arguments.length - 1], hook = """ + HOOK + """;
            var target = Math.floor(hook.state().durationMicros * 0.9), t0 = performance.now();
            hook.seek(target).then(function () {
              (function wait() { if (hook.state().ready) { done(performance.now() - t0); } else { requestAnimationFrame(wait); } })();
            }, function (e) { done(-1); });
        """)
        if seek < 0:
            raise RuntimeError("the player could not seek to 90 %")
        seek_bytes = driver.execute_script(API_BYTES)
        if _ > 0:
            results["first_frame_ms"].append(first)
            results["open_bytes"].append(opened)
            results["seek_ms"].append(seek)
            results["seek_bytes"].append(seek_bytes)
    print(json.dumps({"first_frame_ms": statistics.median(results["first_frame_ms"]), "open_bytes": max(results["open_bytes"]),
                      "seek_ms": statistics.median(results["seek_ms"]), "seek_bytes": max(results["seek_bytes"]), "runs": runs}))
finally:
    driver.quit()
    profile.cleanup()
