internal import PsrecTerminal

/// SGR, Select Graphic Rendition (`CSI … m`, ECMA-48 §8.3.117), as xterm reads it: the
/// attributes and their resets, the 16 colours and their bright forms, and the extended
/// colours in both their semicolon (`38;5;n`, `38;2;r;g;b`) and colon (ITU-T T.416:
/// `38:5:n`, `38:2::r:g:b`, also `38:2:r:g:b`) forms.
extension TerminalScreen {
    func selectGraphicRendition(_ sequence: ControlSequence) {
        let parameters = sequence.parameters
        if parameters.isEmpty { pen = .plain; return }
        var i = 0
        while i < parameters.count {
            let parameter = parameters[i]
            // The sub-parameters of this parameter, if any (`4:3`, `38:2::1:2:3`).
            var end = i + 1
            while sequence.isSubParameter(end) { end += 1 }
            let subParameters = parameters[(i + 1)..<end]
            switch parameter {
            case 0: pen = .plain
            case 1: pen.flags.insert(.bold)
            case 2: pen.flags.insert(.dim)
            case 3: pen.flags.insert(.italic)
            case 4:
                // `4:0` is "not underlined"; `4:1` to `4:5` are underline styles.
                if subParameters.first == 0 { pen.flags.remove(.underline) } else { pen.flags.insert(.underline) }
            case 5, 6: pen.flags.insert(.blink)
            case 7: pen.flags.insert(.inverse)
            case 8: pen.flags.insert(.hidden)
            case 9: pen.flags.insert(.strikethrough)
            case 21: pen.flags.insert(.underline)
            case 22: pen.flags.remove([.bold, .dim])
            case 23: pen.flags.remove(.italic)
            case 24: pen.flags.remove(.underline)
            case 25: pen.flags.remove(.blink)
            case 27: pen.flags.remove(.inverse)
            case 28: pen.flags.remove(.hidden)
            case 29: pen.flags.remove(.strikethrough)
            case 30...37: pen.foreground = .ansi(UInt8(parameter - 30))
            case 39: pen.foreground = .default
            case 40...47: pen.background = .ansi(UInt8(parameter - 40))
            case 49: pen.background = .default
            case 90...97: pen.foreground = .ansi(UInt8(parameter - 90 + 8))
            case 100...107: pen.background = .ansi(UInt8(parameter - 100 + 8))
            case 38, 48:
                let color: TerminalStyle.Color?
                if subParameters.isEmpty {
                    // Semicolon form: the colour's numbers are parameters of their own.
                    let found = Self.extendedColor(parameters, from: i + 1)
                    color = found.0
                    end = found.1
                } else {
                    color = Self.extendedColor(Array(subParameters))
                }
                if let color {
                    if parameter == 38 { pen.foreground = color } else { pen.background = color }
                }
            default:
                break
            }
            i = end
        }
    }

    /// The colour of `38;5;n` or `38;2;r;g;b` whose numbers start at `parameters[start]`,
    /// and the index after them; nil for a colour xterm would not take (a number above
    /// 255, a missing one), whose numbers are skipped all the same.
    static func extendedColor(_ parameters: [Int], from start: Int) -> (TerminalStyle.Color?, Int) {
        guard start < parameters.count else { return (nil, start) }
        switch parameters[start] {
        case 5:
            guard start + 1 < parameters.count else { return (nil, parameters.count) }
            let n = parameters[start + 1]
            return (n <= 255 ? .indexed(UInt8(n)) : nil, start + 2)
        case 2:
            guard start + 3 < parameters.count else { return (nil, parameters.count) }
            let (r, g, b) = (parameters[start + 1], parameters[start + 2], parameters[start + 3])
            return (max(r, g, b) <= 255 ? .rgb(UInt8(r), UInt8(g), UInt8(b)) : nil, start + 4)
        default:
            return (nil, start + 1)
        }
    }

    /// The colour of the colon form's sub-parameters: `5:n`, `2:id:r:g:b` (T.416, the colour
    /// space id ignored) or `2:r:g:b` (as many programs write it).
    static func extendedColor(_ sub: [Int]) -> TerminalStyle.Color? {
        switch sub.first {
        case 5:
            guard sub.count >= 2, sub[1] <= 255 else { return nil }
            return .indexed(UInt8(sub[1]))
        case 2:
            guard sub.count >= 4 else { return nil }
            let rgb = sub.count >= 5 ? sub[2...4] : sub[1...3]
            guard let high = rgb.max(), high <= 255 else { return nil }
            let values = rgb.map { UInt8($0) }
            return .rgb(values[0], values[1], values[2])
        default:
            return nil
        }
    }
}
