// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "TinyBench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tinybench", targets: ["tinybench"]),
        .library(name: "TinyRuntime", targets: ["TinyRuntime"]),
        .library(name: "TinyBench", targets: ["TinyBench"]),
        .library(name: "TinyBenchEmulators", targets: ["TinyBenchEmulators"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // MLCommons Tiny runner files (devices.yaml, tests_*.yaml) are YAML.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The run history (history.sqlite) with versioned migrations.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // SHA-256 (dataset and firmware checks) and MD5 (model files' published sums).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(name: "TinyRuntime"),
        .systemLibrary(name: "CSerialPort", pkgConfig: "libserialport", providers: [.apt(["libserialport-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Process start-up for emulators (QEMU) that must die with the tool.
        .target(name: "CProcess"),
        .target(
            name: "TinyBench",
            dependencies: [
                "TinyRuntime", "CSerialPort", "CTurboJPEG", "CProcess", "CLibUSB", "CZlib",
                .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(name: "TinyBenchEmulators", dependencies: ["TinyBench", "TinyRuntime"]),
        .executableTarget(
            name: "tinybench",
            dependencies: [
                "TinyBench", "TinyRuntime", "TinyBenchEmulators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The Swift runtime and Foundation linked in, and no position-
            // independent code to relocate at start (about 100,000 pointers):
            // `tinybench` starts in about 5 ms instead of 11, which a short
            // in-process accuracy run pays once (Docs/PERFORMANCE.md), and runs
            // where no Swift toolchain is installed. Only this executable: the
            // tests link dynamically (swift-testing has no static library).
            // The modules are compiled against the shared libraries, so the
            // static ones they pull in are named here, and lld resolves them
            // in any order.
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xclang-linker", "-no-pie",
                                           "-lCoreFoundation", "-l_FoundationICU", "-l_FoundationCollections", "-l_FoundationCShims",
                                           "-lFoundationEssentials", "-lFoundationInternationalization", "-lswiftSynchronization"],
                                          .when(platforms: [.linux]))]
        ),
        // The synthetic demo-data generator (Tools/demodata): not part of the product.
        .target(name: "DemoData", dependencies: ["TinyBench", "TinyRuntime", "TinyBenchEmulators"], path: "Tools/demodata/Sources/DemoData"),
        .executableTarget(
            name: "demodata",
            dependencies: ["DemoData", "TinyBench", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tools/demodata/Sources/demodata"
        ),
        // Locates ../shared for the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TinyRuntimeTests", dependencies: ["TinyRuntime", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "TinyBenchTests", dependencies: ["TinyBench", "TestSupport"]),
        .testTarget(name: "TinyBenchEmulatorsTests", dependencies: ["TinyBenchEmulators", "TinyBench", "TinyRuntime", "TestSupport",
                                                              .product(name: "GRDB", package: "GRDB.swift")],
                    // The sww front end's fixtures are read from the source tree (the C front end's tests read them too).
                    exclude: ["Fixtures"]),
        .testTarget(name: "DemoDataTests", dependencies: ["DemoData", "TinyBench", "TinyRuntime"]),
        // Drives the built `tinybench` executable, exactly as a user would.
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
