import Classifiers
import Experiments
import Foundation
import GANs
import ResultStore
import TestSupport
import XCTest

/// Protocols decode into the stages' settings types (one source of truth), are rejected with file, line and key,
/// and plan every unit once, with stable ids.
final class ProtocolTests: XCTestCase {
    private let protocolText = """
        name: low-data
        dataset: /usr/share/datasets/fashion-mnist
        split:
          per_class: [10, 50]
          validation_per_class: 20
        seeds: 2
        classifier:
          steps: 500
          evaluate_every: 25
          select_best_validation: true
        arms:
          - original
          - traditional
          - gan:
              gan: {variant: cgan, diffaugment: true, steps: 300}
              sampling: {per_class: 100, filters: ["confidence=0.5"]}
              ratio: [0.5, 1]
          - gan+traditional:
              gan: {variant: cgan, diffaugment: true, steps: 300}
              sampling: {per_class: 100, filters: ["confidence=0.5"]}
          - synthetic-only:
              gan: {variant: dcgan, steps: 300}
          - more-real: {ratio: [1, 3]}
          - mixup: {alpha: 0.2}
          - cutmix

        """

    private func decode(_ text: String) throws -> ExperimentProtocol {
        try SettingsFile.decode(ExperimentProtocol.self, yaml: text, path: "p.yaml")
    }

    func testAProtocolDecodesIntoTheStagesSettings() throws {
        let p = try decode(protocolText)
        XCTAssertEqual(p.split.perClass.values, [10, 50])
        XCTAssertEqual(p.classifier.steps, 500)
        XCTAssertEqual(p.arms.map(\.name), ["original", "traditional", "gan", "gan+traditional", "synthetic-only", "more-real", "mixup", "cutmix"])
        XCTAssertEqual(p.arms[6], .mixing(.mixup(alpha: 0.2)))
        XCTAssertEqual(p.arms[7], .mixing(.cutmix(alpha: 1)), "torchvision's default alpha")
        guard case let .gan(g) = p.arms[2] else { return XCTFail("\(p.arms[2])") }
        XCTAssertEqual(g.gan.variant, .cgan)
        XCTAssertTrue(g.gan.diffAugment)
        XCTAssertEqual(g.ratio.values, [0.5, 1])
        guard case let .traditional(augmentation) = p.arms[1] else { return XCTFail("\(p.arms[1])") }
        XCTAssertEqual(augmentation, .traditional)
        // The protocol's canonical text decodes back to the same protocol.
        let text = try CanonicalSettings.text(p)
        XCTAssertEqual(try JSONDecoder().decode(ExperimentProtocol.self, from: Data(text.utf8)), p)
    }

    func testThePlanSharesGANsAndSampleSetsAndHasStableIDs() throws {
        let plan = try ExperimentPlan(try decode(protocolText))
        // Per K and seed: the cgan (shared by gan and gan+traditional) and the dcgan, one sample set each, and
        // classifiers: original, traditional, gan x 2 ratios, gan+traditional, synthetic-only, more-real x 2, mixup,
        // cutmix.
        XCTAssertEqual(plan.counts[.gan], 2 * 2 * 2)
        XCTAssertEqual(plan.counts[.samples], 2 * 2 * 2)
        XCTAssertEqual(plan.counts[.classifier], 2 * 2 * 10)
        XCTAssertEqual(plan.counts[.metrics], 2 * 2 * 2 + 1, "each sample set's metrics, and the real-data floor once")
        XCTAssertEqual(try ExperimentPlan(try decode(protocolText + "gan_metrics: false\n")).counts[.metrics], nil)
        let cutmix = try XCTUnwrap(plan.units.first { $0.id == "classifier/cutmix/K10/seed0" })
        XCTAssertTrue(cutmix.settings.contains("\"mixing\":\"cutmix=1.0\""), cutmix.settings)
        XCTAssertFalse(try XCTUnwrap(plan.units.first { $0.id == "classifier/original/K10/seed0" }).settings.contains("mixing"))
        // Synthetic images for the minority classes only: the classifier unit says so; the GAN and samples are shared.
        let minorityText = protocolText.replacingOccurrences(of: "ratio: [0.5, 1]", with: "synthetic_classes: minority")
        let minority = try ExperimentPlan(try decode(minorityText))
        let minorityUnit = try XCTUnwrap(minority.units.first { $0.id == "classifier/gan/K10/r1/seed0" })
        XCTAssertTrue(minorityUnit.settings.contains("\"synthetic_classes\":\"minority\""), minorityUnit.settings)
        XCTAssertEqual(minority.counts[.gan], plan.counts[.gan])
        XCTAssertEqual(Set(plan.units.map(\.id)).count, plan.units.count)
        XCTAssertEqual(try ExperimentPlan(try decode(protocolText)).units, plan.units, "the same protocol, the same plan")
        let ganArm = try XCTUnwrap(plan.units.first { $0.id == "classifier/gan/K50/r0.5/seed1" })
        let ganTraditional = try XCTUnwrap(plan.units.first { $0.id == "classifier/gan+traditional/K50/r1/seed1" })
        XCTAssertEqual(ganArm.dependencies, ganTraditional.dependencies, "one sample set serves both arms")
        XCTAssertTrue(ganArm.dependencies[0].hasPrefix("samples/K50/seed1/"))
        XCTAssertTrue(plan.units.contains { $0.id == "classifier/more-real/K10/r3/seed0" && $0.dependencies.isEmpty })
        // Every unit of a seed differs from the other seed's in its settings checksum.
        let original = plan.units.filter { $0.arm == "original" && $0.perClass == 10 }
        XCTAssertEqual(Set(original.map(\.checksum)).count, 2)
        // A changed setting changes the checksum of exactly the units it touches.
        let changed = try ExperimentPlan(try decode(protocolText.replacingOccurrences(of: "steps: 500", with: "steps: 600")))
        XCTAssertTrue(zip(plan.units, changed.units).allSatisfy { $0.kind == .classifier ? $0.checksum != $1.checksum : $0.checksum == $1.checksum })
    }

    func testBadProtocolsNameTheFileLineAndKey() throws {
        func rejects(_ text: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try decode(text), file: file, line: line) { error in
                for fragment in fragments {
                    XCTAssertTrue("\(error)".contains(fragment), "'\(error)' lacks '\(fragment)'", file: file, line: line)
                }
            }
        }
        rejects(protocolText.replacingOccurrences(of: "  validation_per_class: 20", with: "  validation_per_clas: 20"),
                ["p.yaml:5:", "split.validation_per_clas", "unknown key"])
        rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: two"), ["p.yaml:6:", "seeds", "expected an integer"])
        rejects(protocolText.replacingOccurrences(of: "ratio: [0.5, 1]", with: "ratio: [0.5, -1]"), ["p.yaml:14:", "arms.2.gan", "ratio values must be non-negative"])
        rejects(protocolText.replacingOccurrences(of: "{variant: cgan, diffaugment: true, steps: 300}", with: "{variant: stylegan}"),
                ["p.yaml:15:", "arms.2.gan.gan.variant", "stylegan"])
        rejects(protocolText.replacingOccurrences(of: "  - original", with: "  - originl"), ["p.yaml:12:", "unknown arm 'originl'"])
        rejects(protocolText.replacingOccurrences(of: "  steps: 500\n", with: ""), ["classifier: give steps"])
        rejects(protocolText.replacingOccurrences(of: "ratio: [0.5, 1]", with: "ratio: [0.5, 1]\n      synthetic_classes: minority"),
                ["p.yaml:", "arms.2.gan", "ratio does not apply with synthetic_classes: minority"])
        rejects(protocolText.replacingOccurrences(of: "{variant: dcgan, steps: 300}", with: "{variant: dcgan, steps: 300}\n      synthetic_classes: minority"),
                ["synthetic-only trains on every class"])
        rejects(protocolText.replacingOccurrences(of: "{alpha: 0.2}", with: "{alpha: 0}"), ["p.yaml:", "arms.6.mixup", "alpha must be positive"])
        rejects(protocolText.replacingOccurrences(of: "{alpha: 0.2}", with: "{alpa: 0.2}"), ["p.yaml:", "arms.6.mixup.alpa", "unknown key"])
        rejects("name: x\ndataset: y\nsplit: {per_class: 10}\narms: [original]\n  bad: [", ["p.yaml:", "not valid YAML"])
        rejects("name: x\nsplit: {per_class: 10}\narms: [original]\n", ["dataset", "required"])
        // What needs the data: a class that does not exist, more images than a class holds.
        var p = try decode(protocolText)
        p.split.minority = [12: 5]
        XCTAssertThrowsError(try p.validate(classCounts: [Int](repeating: 6000, count: 10))) { XCTAssertTrue("\($0)".contains("class 12 does not exist")) }
        p.split.minority = [:]
        XCTAssertThrowsError(try p.validate(classCounts: [Int](repeating: 150, count: 10))) { XCTAssertTrue("\($0)".contains("holds only 150"), "\($0)") }
        XCTAssertNoThrow(try p.validate(classCounts: [Int](repeating: 6000, count: 10)))
    }

    func testAProtocolFileOnDiskIsReadWithItsPath() throws {
        let folder = try makeTemporaryFolder()
        let file = path(folder, "quick.yaml")
        try protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: 0").write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SettingsFile.decode(ExperimentProtocol.self, path: file)) {
            XCTAssertTrue("\($0)".hasPrefix("\(file)"), "\($0)")
            XCTAssertTrue("\($0)".contains("seeds must be positive"), "\($0)")
        }
    }
}
