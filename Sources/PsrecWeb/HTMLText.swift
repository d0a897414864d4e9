public import PsrecFormat

/// Text made safe to put in an HTML page, between tags or inside a quoted attribute.
///
/// Every value that comes from a recording, the catalog or the request goes through
/// `HTMLText.escape`, the one escaping function of the web application: the five characters
/// HTML gives a meaning (`& < > " '`) become character references, and the scalars psrec
/// never shows raw (`UnsafeScalars`: controls, bidirectional overrides such as U+202E,
/// zero-width and other format characters, line separators) become visible `\u{202e}`-style
/// text, exactly as `psrec search` shows them on a terminal.
public enum HTMLText {
    /// `text` escaped for HTML text and double- or single-quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\\": out += "\\\\"
            default:
                if UnsafeScalars.contains(scalar) {
                    out += UnsafeScalars.escape(String(scalar))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `text` percent-encoded for a URL's query value: only unreserved ASCII stays as it is.
    public static func queryValue(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let digits = Array("0123456789ABCDEF")
                out += "%" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 15)])
            }
        }
        return out
    }
}
