import Foundation

extension StaticFiles {
    /// The terminal player's static files, by name under /static/: xterm.js and its
    /// stylesheet from Debian's packages (read when the server starts), and the player's
    /// own script and stylesheet (built into the binary).
    static func terminalPlayerEntries() -> [String: Entry] {
        var entries = [
            "psrec-terminal.js": Entry(contentType: "text/javascript; charset=utf-8", bytes: Array(TerminalPlayerScript.source.utf8)),
            "psrec-terminal.css": Entry(contentType: "text/css; charset=utf-8", bytes: Array(terminalStylesheet.utf8)),
        ]
        if let script = xtermScript() { entries["xterm.js"] = Entry(contentType: "text/javascript; charset=utf-8", bytes: Array(script.utf8)) }
        if let css = FileManager.default.contents(atPath: xtermDirectory + "/xterm.css") {
            entries["xterm.css"] = Entry(contentType: "text/css; charset=utf-8", bytes: Array(css))
        }
        return entries
    }

    /// Where Debian's libjs-xterm puts xterm.js and xterm.css.
    static let xtermDirectory = "/usr/share/javascript/xterm"
    /// Where Debian's node-xterm puts xterm.js's modules (CommonJS, one file each).
    static let xtermModules = "/usr/share/nodejs/xterm/lib"

    /// Whether the server can serve xterm.js; the player's page says what to install when not.
    static var xtermInstalled: Bool { xtermScriptCache != nil }

    private static let xtermScriptCache: String? = loadXtermScript()

    static func xtermScript() -> String? { xtermScriptCache }

    /// xterm.js as one script for the page. Debian 12's libjs-xterm 3.8.1 ships as
    /// `xterm.js` only a stub that `require`s modules it does not contain (it throws in a
    /// browser); the modules are in node-xterm. So a `xterm.js` that is a whole bundle is
    /// served as it is, and otherwise node-xterm's modules are joined here into one script
    /// with a small CommonJS loader that defines `window.Terminal`: no `eval`, no other
    /// code than the package's.
    private static func loadXtermScript() -> String? {
        if let data = FileManager.default.contents(atPath: xtermDirectory + "/xterm.js"), data.count > 64 * 1024,
           let text = String(data: data, encoding: .utf8) {
            return text
        }
        guard let files = FileManager.default.enumerator(atPath: xtermModules) else { return nil }
        var modules: [(name: String, text: String)] = []
        for case let path as String in files where path.hasSuffix(".js") && !path.hasSuffix(".test.js") {
            guard let data = FileManager.default.contents(atPath: xtermModules + "/" + path),
                  let text = String(data: data, encoding: .utf8) else { return nil }
            modules.append((String(path.dropLast(3)), text))
        }
        guard modules.contains(where: { $0.name == "public/Terminal" }) else { return nil }
        var out = """
            /* xterm.js 3.8 from Debian's node-xterm (MIT licence), its modules joined by psrec. */
            (function () {
            'use strict';
            var definitions = {}, cache = {};
            function resolve(from, path) {
              var parts = path.charAt(0) === '.' ? from.split('/').slice(0, -1).concat(path.split('/')) : path.split('/');
              var out = [];
              parts.forEach(function (p) { if (p === '..') { out.pop(); } else if (p !== '.' && p !== '') { out.push(p); } });
              var name = out.join('/').replace(/\\.js$/, '');
              if (!definitions[name] && definitions[name + '/index']) { name = name + '/index'; }
              return name;
            }
            function load(name) {
              if (cache[name]) { return cache[name].exports; }
              var define = definitions[name];
              if (!define) { throw new Error('xterm.js: no module ' + name); }
              var module = { exports: {} };
              cache[name] = module;
              define(function (path) { return load(resolve(name, path)); }, module, module.exports);
              return module.exports;
            }

            """
        for module in modules.sorted(by: { $0.name < $1.name }) {
            let quoted = module.name.replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "'", with: "")
            out += "definitions['\(quoted)'] = function (require, module, exports) {\n\(module.text)\n};\n"
        }
        out += "window.Terminal = load('public/Terminal').Terminal;\n})();\n"
        return out
    }

    static let terminalStylesheet = """
        .tplayer { max-width: 100%; }
        .tp-screen { display: inline-block; background: #000; padding: 4px; border-radius: 4px; max-width: 100%; overflow: auto; }
        .tp-timeline { position: relative; height: 24px; margin: .5em 0; background: #8882; cursor: pointer; border-radius: 3px; }
        .tp-heat { position: absolute; inset: 0; width: 100%; height: 100%; }
        .tp-progress { position: absolute; left: 0; top: 0; bottom: 0; width: 0; background: #2a6df455; pointer-events: none; }
        .tp-markers { position: absolute; inset: 0; pointer-events: none; }
        .tp-marker { position: absolute; top: 0; bottom: 0; width: 2px; background: #e33; }
        .tp-marker.command { background: #e90; }
        .tp-marker.click { background: #3a3; }
        .tp-controls { display: flex; flex-wrap: wrap; gap: .5em; align-items: center; }
        .tp-speed { min-width: 3em; text-align: center; font-variant-numeric: tabular-nums; }
        .tp-seconds { width: 5em; }
        .tp-time, .tp-clock { font-family: ui-monospace, monospace; }
        .tp-status { font-weight: bold; }
        .tp-status.live { color: #c00; }
        .tp-search { margin: .5em 0; display: flex; gap: .5em; align-items: center; flex-wrap: wrap; }
        .tp-hits li, .tp-indicators li { font-family: ui-monospace, monospace; font-size: .9em; }
        .tp-hits mark { font-weight: bold; }
        .tp-hits li.current { outline: 2px solid var(--accent); }
        .tp-kind { font-weight: bold; }
        .tp-keys { font-size: .85em; opacity: .8; }
        """
}
