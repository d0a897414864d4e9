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
        .library(name: "PsrecCLI", targets: ["PsrecCLI"]),
        .executable(name: "psrec", targets: ["psrec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CZstd", pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]),
        .target(
            name: "PsrecFormat",
            dependencies: [
                "CZlib", "CZstd",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: upcoming),
        .target(
            name: "PsrecInterop",
            dependencies: ["PsrecFormat"],
            swiftSettings: upcoming),
        .target(
            name: "PsrecCLI",
            dependencies: [
                "PsrecFormat", "PsrecInterop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming),
        .executableTarget(
            name: "psrec",
            dependencies: ["PsrecCLI"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecFormatTests",
            dependencies: ["PsrecFormat"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecInteropTests",
            dependencies: ["PsrecInterop", "PsrecFormat"],
            swiftSettings: upcoming),
        .testTarget(
            name: "PsrecCLITests",
            dependencies: ["PsrecCLI", "PsrecFormat", "PsrecInterop"],
            swiftSettings: upcoming),
    ],
    swiftLanguageModes: [.v6]
)
