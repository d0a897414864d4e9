extension StaticFiles {
    /// The terminal player's static files, by name under /static/. None yet.
    static func terminalPlayerEntries() -> [String: Entry] {
        [:]
    }
}
