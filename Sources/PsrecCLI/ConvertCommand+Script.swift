import ArgumentParser
import PsrecInterop

/// util-linux `script` recordings, which span two or three files.
extension ConvertCommand {
    func validateScriptFiles() throws {
        let logs = [logIO, logOut, logIn].compactMap { $0 }
        if timing == nil {
            if !logs.isEmpty { throw ValidationError("--log-io, --log-out and --log-in need the timing file too: give --log-timing FILE.") }
            if input == nil { throw ValidationError("Give the recording to convert (a file, a directory, or - for standard input).") }
            return
        }
        if logIO != nil && (logOut != nil || logIn != nil) {
            throw ValidationError("--log-io holds both output and input; give it alone, or --log-out and --log-in.")
        }
        if input != nil && (logIO != nil || logOut != nil) {
            throw ValidationError("Give the output log once: as IN (the typescript) or with --log-out/--log-io.")
        }
        if input == "-" { throw ValidationError("A script recording is read from files; standard input cannot be one of them.") }
        if input == nil && logs.isEmpty {
            throw ValidationError("--timing needs the typescript: give it as IN, or give --log-io or --log-out.")
        }
    }

    /// What the summary calls the input.
    var shownInput: String { input ?? logIO ?? logOut ?? timing ?? "standard input" }

    func convertScript(timing: String, options: ConversionOptions) throws(ConversionError) -> ConversionReport {
        try Converter.convertScript(timingPath: timing, outputLogPath: logIO ?? logOut ?? input, inputLogPath: logIO ?? logIn,
                                    outputPath: output, options: options, overwrite: force)
    }
}
