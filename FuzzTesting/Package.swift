// swift-tools-version: 6.0
//
// libFuzzer targets for AugBench's file readers, one executable per reader. Built apart from the main package
// because every module is compiled with -sanitize=fuzzer,address; scripts/fuzz.sh builds and runs them. Each target
// starts libFuzzer's driver from its own top-level code (see Sources/CLibFuzzer), so no -parse-as-library is needed.

import PackageDescription

let readers = ["FuzzIDX", "FuzzHDF5ImageSet", "FuzzPNG", "FuzzSplitFile", "FuzzAugmentationYAML", "FuzzProtocolYAML"]

let package = Package(
    name: "AugBenchFuzzTesting",
    dependencies: [.package(name: "AugBench", path: "..")],
    targets: [.target(name: "CLibFuzzer"), .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"])] + readers.map { name in
        // lld: gold stops with an internal error while linking the sanitizer runtime into these executables.
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "AugBench", package: "AugBench")],
                          linkerSettings: [.unsafeFlags(["-use-ld=lld"])])
    }
)
