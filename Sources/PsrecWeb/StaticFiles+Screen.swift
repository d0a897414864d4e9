extension StaticFiles {
    /// The screen player's static files, by name under /static/. None yet.
    static func screenPlayerEntries() -> [String: Entry] {
        [:]
    }
}
