import Foundation

/// The files the pages load, from a fixed allow-list: a request names an entry, never a
/// path, so no `..`, encoded slash or absolute path can reach another file. An entry is
/// text built into the binary (the stylesheet) or one named file of a system package
/// (xterm.js from Debian's libjs-xterm, for the player to come).
struct StaticFiles: Sendable {
    struct Entry: Sendable {
        var contentType: String
        var bytes: [UInt8]
    }

    private let entries: [String: Entry]

    init() {
        var entries = ["psrec.css": Entry(contentType: "text/css; charset=utf-8", bytes: Array(Self.stylesheet.utf8))]
        // Each player's files, from its own file (StaticFiles+Terminal, StaticFiles+Screen).
        for (name, entry) in Self.terminalPlayerEntries() { entries[name] = entry }
        for (name, entry) in Self.screenPlayerEntries() { entries[name] = entry }
        self.entries = entries
    }

    /// The entry that `/static/NAME` names, exactly, or nil: a name is matched as the
    /// request spells it, without decoding, so `%2e%2e%2f` is only ever an unknown name.
    func entry(named name: Substring) -> Entry? {
        entries[String(name)]
    }

    static let stylesheet = """
        :root { color-scheme: light dark; --line: #8884; --accent: #2a6df4; }
        body { font-family: system-ui, sans-serif; margin: 0; line-height: 1.4; }
        header { display: flex; gap: 1em; align-items: center; padding: .5em 1em; border-bottom: 1px solid var(--line); }
        header .brand { font-weight: bold; text-decoration: none; }
        header .who { margin-left: auto; }
        header form.logout { display: inline; }
        main { padding: 1em; }
        form.search { display: grid; grid-template-columns: repeat(auto-fill, minmax(14em, 1fr)); gap: .5em 1em; margin-bottom: 1em; }
        form.search label { display: flex; flex-direction: column; font-size: .9em; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
        td.id { font-family: ui-monospace, monospace; }
        .live { color: #c00; font-weight: bold; }
        .interrupted { color: #b60; }
        .hit { font-family: ui-monospace, monospace; font-size: .9em; }
        .hit mark { font-weight: bold; }
        .message { max-width: 50em; }
        .pages { margin-top: 1em; display: flex; gap: 1em; }
        form.login { display: flex; flex-direction: column; gap: .5em; max-width: 20em; }
        dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25em 1em; }
        dl.meta dt { font-weight: bold; }
        form.inline { display: inline-flex; gap: .25em; align-items: center; }
        ul.rights { list-style: none; margin: 0 0 .25em; padding: 0; }
        """
}
