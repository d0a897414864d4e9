// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "psrec",
    products: [
        .library(name: "PsrecFormat", targets: ["PsrecFormat"]),
        .library(name: "PsrecInterop", targets: ["PsrecInterop"]),
        .library(name: "PsrecCatalog", targets: ["PsrecCatalog"]),
        .library(name: "PsrecScreen", targets: ["PsrecScreen"]),
        .library(name: "PsrecTerminal", targets: ["PsrecTerminal"]),
        .library(name: "PsrecPlayback", targets: ["PsrecPlayback"]),
        .library(name: "PsrecCLI", targets: ["PsrecCLI"]),
        // What each fuzz harness does with an input; used by fuzz/ and by FuzzRegressionTests.
        .library(name: "PsrecFuzzExercises", targets: ["PsrecFuzzExercises"]),
        .executable(name: "psrec", targets: ["psrec"]),
        .executable(name: "psrec-net", targets: ["psrec-net"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // Hummingbird's header types, named by the web application's security headers.
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        // The catalog on PostgreSQL (issue 14): the maintained Swift driver.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CX11", pkgConfig: "x11",
            providers: [.apt(["libx11-dev", "libxext-dev", "libxdamage-dev", "libxfixes-dev", "libxi-dev"])]),
        .target(
            name: "PsrecFormat",
            dependencies: [
                "CZlib", "CZstd",
                .product(name: "SystemPackage", package: "swift-system"),
                // SHA-256 and Ed25519 for the seals of format 1.2.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming),
        // The one terminal: UTF-8 decoding and escape-sequence parsing for every module that
        // reads bytes sent to a terminal (screen emulator, catalog text, player, input).
        .target(
            name: "PsrecTerminal",
            swiftSettings: upcoming),
        .target(
            name: "PsrecInterop",
            dependencies: ["PsrecFormat", "PsrecTerminal", "CZlib",
                           .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: upcoming),
        .target(
            name: "PsrecCatalog",
            dependencies: [
                "PsrecFormat", "PsrecTerminal",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming),
        // The catalog's PostgreSQL store (PostgresNIO, SwiftNIO, TLS): linked by psrec-net only,
        // which installs it at start; psrec hands a command naming a postgres:// catalog to it.
        .target(
            name: "PsrecCatalogPostgres",
            dependencies: [
                "PsrecCatalog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming),
        .systemLibrary(name: "CPty"),
        .target(
            name: "PsrecCapture",
            dependencies: ["PsrecFormat", "PsrecTerminal", "CPty",
                           .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: upcoming),
        .target(
            name: "PsrecScreen",
            dependencies: ["PsrecFormat", "CPNG"],
            swiftSettings: upcoming),
        .target(
            name: "PsrecScreenCapture",
            dependencies: ["PsrecScreen", "CX11"],
            swiftSettings: upcoming),
        // The player engine (schedule, skip-inactivity, seeking, indicator jumps, status) and
        // the video exporter, without a terminal: `psrec play` and a web player drive it.
        .target(
            name: "PsrecPlayback",
            dependencies: ["PsrecFormat", "PsrecScreen"],
            swiftSettings: upcoming),
        // The ingest protocol's messages (Spec/protocol.md): framing, encoding and decoding
        // with their limits, without any networking (the fuzz harness uses it alone).
        .target(
            name: "PsrecStream",
            dependencies: ["PsrecFormat"],
            swiftSettings: upcoming),
        // `psrec serve` and the capture side's uploader: SwiftNIO, TLS, service lifecycle.
        .target(
            name: "PsrecNetwork",
            dependencies: [
                "PsrecFormat", "PsrecStream", "PsrecCatalog",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming),
        .target(
            name: "PsrecCLI",
            dependencies: [
                "PsrecFormat", "PsrecInterop", "PsrecCatalog", "PsrecCapture", "PsrecPlayback", "PsrecScreen", "PsrecScreenCapture", "PsrecTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `psrec user` hashes passwords; bcrypt alone (a C file), no HTTP or NIO.
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: upcoming),
        .executableTarget(
            name: "psrec",
            dependencies: ["PsrecCLI"],
            swiftSettings: upcoming),
        // The network commands (serve, upload, and the streamer record --server starts), in
        // their own binary: `psrec` itself, which the recorder and every other command run,
        // carries no network or TLS code.
        .target(
            name: "PsrecNetCLI",
            dependencies: [
                "PsrecCLI", "PsrecNetwork", "PsrecStream", "PsrecCatalog", "PsrecCatalogPostgres", "PsrecWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming),
        // The auditors' web application (search now, the player later) that `psrec serve --web`
        // runs beside the ingest listener: Hummingbird, sessions, CSRF, escaping, rate limits.
        .target(
            name: "PsrecWeb",
            dependencies: [
                "PsrecCatalog", "PsrecFormat", "PsrecInterop", "PsrecScreen",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: upcoming),
        .executableTarget(
            name: "psrec-net",
            dependencies: ["PsrecNetCLI"],
            swiftSettings: upcoming),
        // The seek row of Benchmarks/run measured inside one process; run only by the benchmarks.
        .executableTarget(
            name: "psrec-seek-benchmark",
            dependencies: ["PsrecFormat"],
            path: "Benchmarks/SeekBenchmark",
            swiftSettings: upcoming),
        // Fills a catalog for the web rows of Benchmarks/run; run only by the benchmarks.
        .executableTarget(
            name: "psrec-bench-catalog",
            dependencies: ["PsrecFormat", "PsrecCatalog", "PsrecCatalogPostgres"],
            path: "Benchmarks/CatalogFiller",
            swiftSettings: upcoming),
        .target(
            name: "PsrecFuzzExercises",
            dependencies: ["PsrecFormat", "PsrecInterop", "PsrecStream"],
            swiftSettings: upcoming),
        // Runs the built psrec and the real tools the tests drive; shared by the test targets.
        .target(
            name: "PsrecTestSupport",
            dependencies: ["PsrecFormat"],
            path: "Tests/PsrecTestSupport",
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecFormatTests",
            dependencies: ["PsrecFormat", "PsrecFuzzExercises", "PsrecTestSupport", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecInteropTests",
            dependencies: ["PsrecTestSupport", "PsrecInterop", "PsrecFormat"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecTerminalTests",
            dependencies: ["PsrecTerminal", "PsrecTestSupport"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecCaptureTests",
            dependencies: ["PsrecCapture", "PsrecFormat", "PsrecTestSupport"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecScreenTests",
            dependencies: ["PsrecScreen", "PsrecFormat"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecPlaybackTests",
            dependencies: ["PsrecPlayback", "PsrecFormat", "PsrecInterop", "PsrecTestSupport"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecCLITests",
            dependencies: ["PsrecTestSupport", "PsrecCLI", "PsrecFormat", "PsrecInterop", "PsrecPlayback", "PsrecScreen", "PsrecTerminal", "PsrecCatalog", "PsrecCapture"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecNetworkTests",
            dependencies: ["PsrecTestSupport", "PsrecNetwork", "PsrecStream", "PsrecCatalog", "PsrecFormat", "PsrecCLI",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecWebTests",
            dependencies: ["PsrecTestSupport", "PsrecWeb", "PsrecCatalog", "PsrecFormat", "PsrecNetwork", "PsrecInterop", "PsrecScreen",
                           .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecCatalogTests",
            dependencies: ["PsrecTestSupport", "PsrecCatalog", "PsrecCatalogPostgres", "PsrecCLI", "PsrecFormat", "PsrecInterop",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: upcoming),
    ],
    swiftLanguageModes: [.v6]
)
