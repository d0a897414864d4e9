// swift-tools-version: 6.1
import PackageDescription

// libFuzzer harnesses for PsrecFormat. Build and run them with `fuzz/run`, which passes
// `-sanitize=fuzzer,address` on the command line so that the library under test is
// instrumented too (unsafeFlags here would reach only this package's own targets).
//
// Each harness is the folder Harnesses/NAME, built as the executable `fuzz-NAME`, and has a
// line in the HARNESSES table of fuzz/run. (The list is spelled out rather than read from the
// folder: SwiftPM caches the evaluated manifest, so it would not notice a new folder.)

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let harnesses = [
    "trailer",
    "chunk",
    "events",
    "index",
    "file",
    "verify",
    "convert",
    "stream",
]

let package = Package(
    name: "psrec-fuzz",
    dependencies: [.package(name: "psrec", path: "..")],
    targets: harnesses.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [.product(name: "PsrecFuzzExercises", package: "psrec")],
            path: "Harnesses/\(name)",
            swiftSettings: upcoming)
    },
    swiftLanguageModes: [.v6]
)
