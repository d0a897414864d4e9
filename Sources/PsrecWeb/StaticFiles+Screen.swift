extension StaticFiles {
    /// The screen player's files: its script (`ScreenPlayerScript`) and stylesheet.
    static func screenPlayerEntries() -> [String: Entry] {
        [
            "screen-player.js": Entry(contentType: "text/javascript; charset=utf-8", bytes: Array(ScreenPlayerScript.source.utf8)),
            "screen-player.css": Entry(contentType: "text/css; charset=utf-8", bytes: Array(screenStylesheet.utf8)),
        ]
    }

    static let screenStylesheet = """
        .screen-player { max-width: 100%; }
        .sp-status { margin: .25em 0; min-height: 1.4em; }
        .sp-status.live { color: #c00; font-weight: bold; }
        .sp-status.ended { color: #b60; font-weight: bold; }
        .sp-status.error { color: #c00; }
        .sp-stage { position: relative; display: inline-block; max-width: 100%; line-height: 0; background: #000; }
        #sp-screen { display: block; max-width: 100%; height: auto; }
        #sp-overlay { position: absolute; left: 0; top: 0; width: 100%; height: 100%; pointer-events: none; }
        .sp-timeline { display: block; width: 100%; height: 32px; cursor: pointer; margin-top: .25em; }
        .sp-controls { display: flex; flex-wrap: wrap; gap: .5em 1em; align-items: center; margin: .5em 0; }
        .sp-controls input[type=number] { width: 4em; }
        .sp-keys { font-size: .85em; opacity: .8; }
        .sp-indicators { max-height: 18em; overflow: auto; padding-left: 2em; }
        .sp-indicators button { background: none; border: none; padding: 0; color: var(--accent); cursor: pointer; text-align: left; font: inherit; }
        .sp-indicators li.current button { font-weight: bold; }
        """
}
