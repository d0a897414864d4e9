"""Logging in, the search page, a refused recording and hostile metadata, in a real browser.

Data: {"user", "password", "wrongPassword", "visible": [UUID…], "forbidden": UUID,
       "hostile": [TEXT…], "text": WORD the text search finds in visible[0]}
"""

from psrec_browser import check, run


def test(browser, data):
    # A wrong password stays on the login page with a sentence.
    browser.get("/")
    browser.wait(lambda d: "/login" in d.current_url, "the login page for a visitor not logged in")
    browser.find("input[name=user]").send_keys(data["user"])
    browser.find("input[name=password]").send_keys(data["wrongPassword"])
    browser.find("form.login button[type=submit]").click()
    browser.wait(lambda d: "not right" in d.find_element("css selector", "main").text.lower()
                 or "wrong" in d.find_element("css selector", "main").text.lower(), "the refusal of a wrong password")

    browser.login(data["user"], data["password"])
    rows = browser.find_all("table tbody tr")
    listed = browser.text("main")
    for uuid in data["visible"]:
        check(uuid[:8] in listed, f"the search page does not list {uuid}")
    check(data["forbidden"][:8] not in listed, "the search page lists a recording the user may not see")

    # Hostile metadata is shown as text: no element was made from it, no script ran.
    for text in data["hostile"]:
        check(text.split("\u202e")[0] in listed, f"the hostile text {text!r} is not shown as text")
    check(browser.script("return document.querySelectorAll('main img, main script').length") == 0,
          "hostile metadata became an element on the search page")
    check(browser.script("return window.psrecInjected === undefined"), "a script from hostile metadata ran")
    browser.screenshot("search")

    # The terminal text search finds the word and links into the recording at that moment.
    browser.find("input[name=text]").send_keys(data["text"])
    browser.find("form.search button[type=submit]").click()
    browser.wait(lambda d: len(d.find_elements("css selector", "mark")) > 0, "a text hit with the word marked")
    link = browser.find("a[href*='?t=']").get_attribute("href")
    check(data["visible"][0] in link, f"the text hit links to {link}, not to the recording that holds the word")

    # A recording the user may not see is a 403 page.
    browser.get("/recordings/" + data["forbidden"])
    check("Refused" in browser.text("h1"), "a recording the user may not see was not refused")
    errors = browser.console_errors()
    check(not errors, "the browser console has errors: " + "; ".join(errors))


run(test)
