import TestSupport
import XCTest

/// The scan every provoked error message goes through (`assertThrowsMessage`, `assertFailsWithOneLine`) finds
/// Swift's insides and lets the user's words, paths and file names pass.
final class MessageScanTests: XCTestCase {
    func testInternalsAreFoundAndUserTextPasses() {
        for (message, expected) in [
            ("runs/g: exists: use --resume (GANRun.resume) to continue it", ["GANRun.resume"]),
            ("got [AnyHashable(\"rotate\"): 15]", ["AnyHashable"]),
            ("expected Optional(3)", ["Optional("]),
            ("could not read Swift.Int", ["Swift."]),
            ("see ExperimentPlan.shard for the split", ["ExperimentPlan.shard"]),
        ] {
            XCTAssertEqual(internals(in: message), expected, message)
        }
        for message in ["README.md: no such file", "/tmp/x/Fixtures.h5: damaged HDF5 file", "runs/Split.h5 changed",
                        "Fashion-MNIST. Then", "e.g. rotate: 15", "got {rotate: 15, shift: 3}", "Baselines/quick.yaml, line 3",
                        "seed 0: Trouser.png is not a PNG file", "CITATION.cff is not valid"] {
            XCTAssertEqual(internals(in: message), [], message)
        }
    }
}
