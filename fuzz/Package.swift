// swift-tools-version: 6.1
import Foundation
import PackageDescription

// libFuzzer harnesses for PsrecFormat. Build and run them with `fuzz/run`, which passes
// `-sanitize=fuzzer,address` on the command line so that the library under test is
// instrumented too (unsafeFlags here would reach only this package's own targets).
//
// Every folder under Harnesses/ is one harness, built as the executable `fuzz-NAME`.

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let harnesses = ((try? FileManager.default.contentsOfDirectory(atPath: Context.packageDirectory + "/Harnesses")) ?? [])
    .filter { !$0.hasPrefix(".") }
    .sorted()

let package = Package(
    name: "psrec-fuzz",
    dependencies: [.package(name: "psrec", path: "..")],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "PsrecFormat", package: "psrec")],
            swiftSettings: upcoming),
    ] + harnesses.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["FuzzSupport"],
            path: "Harnesses/\(name)",
            swiftSettings: upcoming)
    },
    swiftLanguageModes: [.v6]
)
