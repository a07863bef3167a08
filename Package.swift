// swift-tools-version: 6.0
//
// AugBench: does GAN-based data augmentation help my classifier?
// Module layout and the one-way direction of imports are described in docs/ARCHITECTURE.md.

import PackageDescription

let package = Package(
    name: "AugBench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "augbench", targets: ["augbench"]),
        .library(name: "AugBench", targets: ["Tensors", "ResultStore", "Datasets", "Augmentations", "Layers", "Optimizers",
                                                  "Classifiers", "GANs", "Metrics", "Sampling", "Statistics",
                                                  "Experiments", "Reporting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        // MARK: System libraries (Debian packages; see scripts/install-dependencies.sh)
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        // MARK: Library modules, bottom to top
        .target(name: "Statistics"),
        .target(name: "Tensors", dependencies: ["CBLAS"]),
        .target(name: "ResultStore", dependencies: ["CHDF5", "Tensors", .product(name: "Yams", package: "Yams")]),
        .target(name: "Augmentations", dependencies: ["Datasets", "ResultStore", "Tensors", .product(name: "Yams", package: "Yams")]),
        .target(name: "Layers", dependencies: ["ResultStore", "Tensors"]),
        .target(name: "Optimizers", dependencies: ["Layers", "Tensors"]),
        .target(name: "Datasets", dependencies: ["Tensors", "ResultStore", "CZlib", "CPNG",
                                                 .product(name: "Logging", package: "swift-log")]),

        .target(name: "Metrics", dependencies: ["Datasets", "Layers", "ResultStore", "Tensors"], resources: [.copy("Resources")]),
        .target(name: "GANs", dependencies: ["Datasets", "Layers", "Optimizers", "ResultStore", "Tensors"]),
        .target(name: "Classifiers", dependencies: ["Augmentations", "Datasets", "Layers", "Metrics", "Optimizers", "ResultStore",
                                                    "Statistics", "Tensors"]),
        .target(name: "Sampling", dependencies: ["Classifiers", "Datasets", "GANs", "Layers", "Metrics", "ResultStore", "Tensors"]),

        .target(name: "Experiments", dependencies: ["Augmentations", "Classifiers", "Datasets", "GANs", "Metrics", "ResultStore",
                                                    "Sampling", "Statistics", .product(name: "Yams", package: "Yams")]),
        .target(name: "Reporting", dependencies: ["Classifiers", "Datasets", "Experiments", "Metrics", "ResultStore", "Sampling"]),

        // MARK: Executable
        .executableTarget(name: "augbench", dependencies: [
            "Tensors", "ResultStore", "Datasets", "Augmentations", "Layers", "Optimizers", "Classifiers", "GANs", "Metrics", "Sampling",
            "Experiments", "Reporting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: The library article's program (Sources/Experiments/Experiments.docc), built and run by DocumentationTests
        .executableTarget(name: "augbench-library-example", dependencies: ["Datasets", "Experiments", "Metrics", "Statistics"],
                          path: "Examples/LibraryExample"),

        // MARK: Test support (tolerance assertions, temporary folders, fixture locations)
        .target(name: "TestSupport", dependencies: ["Tensors", "Layers", "CZlib"], path: "Sources/TestSupport"),

        // MARK: Tests
        .testTarget(name: "StatisticsTests", dependencies: ["Statistics", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"], exclude: ["xoshiro_reference.py"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "Optimizers", "Classifiers", "GANs", "ResultStore", "Tensors",
                                                        "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GANsTests", dependencies: ["Datasets", "GANs", "Layers", "Tensors", "TestSupport"]),
        .testTarget(name: "SamplingTests", dependencies: ["Datasets", "GANs", "Metrics", "ResultStore", "Sampling", "Tensors", "TestSupport"]),
        .testTarget(name: "AugmentationsTests", dependencies: ["Augmentations", "Datasets", "ResultStore", "Tensors", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ClassifiersTests", dependencies: ["Augmentations", "Classifiers", "Datasets", "Layers", "ResultStore", "Tensors",
                                                            "TestSupport"]),
        .testTarget(name: "MetricsTests", dependencies: ["Datasets", "Metrics", "ResultStore", "Tensors", "TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "ResultStoreTests", dependencies: ["ResultStore", "Tensors", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "ResultStore", "Tensors", "TestSupport",
                                                          "CZlib", "CPNG"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Experiments", "ResultStore", "TestSupport"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Classifiers", "Datasets", "GANs", "ResultStore", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Classifiers", "Datasets", "GANs", "Metrics", "Sampling", "TestSupport"]),
        .testTarget(name: "DocumentationTests", dependencies: ["augbench", "TestSupport",
                                                               .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "AugBenchCLITests", dependencies: ["Datasets", "Experiments", "ResultStore", "Tensors", "TestSupport"],
                    exclude: ["Fixtures"]),
    ]
)

// The DocC catalogs (Sources/<Module>/<Module>.docc) build through swift-docc-plugin only when asked, so an ordinary
// build needs no documentation tooling: AUGBENCH_BUILD_DOCS=1 swift package generate-documentation (scripts/docs.sh).
if Context.environment["AUGBENCH_BUILD_DOCS"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}
