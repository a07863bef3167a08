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
        XCTAssertEqual(p.classifier.single?.steps, 500)
        XCTAssertEqual(p.arms.map(\.name), ["original", "traditional", "gan", "gan+traditional", "synthetic-only", "more-real", "mixup", "cutmix"])
        XCTAssertEqual(p.arms[6], .mixing(.mixup(alpha: 0.2)))
        XCTAssertEqual(p.arms[7], .mixing(.cutmix(alpha: 1)), "torchvision's default alpha")
        guard case let .gan(g) = p.arms[2] else { return XCTFail("\(p.arms[2])") }
        XCTAssertEqual(g.gan.single?.variant, .cgan)
        XCTAssertEqual(g.gan.single?.diffAugment, true)
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

    /// A list given for a GAN or classifier setting sweeps it: one labelled arm per GAN combination, every arm at each
    /// classifier combination; the labels come from the decoded values, so the canonical JSON plans the same units.
    func testListsSweepGANAndClassifierSettings() throws {
        let text = """
            name: sweep
            dataset: /usr/share/datasets/fashion-mnist
            split: {per_class: 10}
            seeds: 2
            classifier: {steps: [100, 200], batch_size: 32}
            arms:
              - original
              - gan:
                  gan: {variant: [dcgan, cgan], lr_g: [2e-4, 0.0001], steps: 50}
                  sampling: {per_class: 10}
              - synthetic-only:
                  gan: {variant: [dcgan, cgan], lr_g: [2e-4, 0.0001], steps: 50}
                  sampling: {per_class: 10}

            """
        let p = try decode(text)
        XCTAssertEqual(p.classifier.points.map(\.label), ["steps=100", "steps=200"])
        XCTAssertEqual(p.classifier.points.map(\.settings.steps), [100, 200])
        XCTAssertEqual(p.classifier.points.map(\.settings.batchSize), [32, 32])
        let gan = try XCTUnwrap(p.arms[1].ganSettings).gan
        XCTAssertEqual(gan.points.map(\.label), ["lr_g=0.0002,variant=dcgan", "lr_g=0.0002,variant=cgan", "lr_g=0.0001,variant=dcgan", "lr_g=0.0001,variant=cgan"])
        XCTAssertEqual(gan.points.map(\.settings.generatorLearningRate), [2e-4, 2e-4, 1e-4, 1e-4])
        XCTAssertEqual(gan.points.map(\.settings.steps), [50, 50, 50, 50])
        let plan = try ExperimentPlan(p)
        XCTAssertEqual(plan.counts[.gan], 4 * 2, "a GAN per combination and seed, shared by both arms and both classifier settings")
        XCTAssertEqual(plan.counts[.classifier], 2 * 2 * (1 + 4 + 4))
        let unit = try XCTUnwrap(plan.units.first { $0.id == "classifier/gan[lr_g=0.0001,variant=cgan]/K10/steps=200/r1/seed1" })
        XCTAssertEqual(unit.arm, "gan[lr_g=0.0001,variant=cgan]")
        XCTAssertEqual(unit.armKind, "gan")
        XCTAssertEqual(unit.classifierSetting, "steps=200")
        XCTAssertTrue(unit.settings.contains("\"steps\":200"), unit.settings)
        XCTAssertNotNil(plan.units.first { $0.id == "classifier/original/K10/steps=100/seed0" })
        // The canonical JSON (what a run folder records and merge reads) decodes into the same sweep and plan.
        let json = try CanonicalSettings.text(p)
        XCTAssertTrue(json.contains("\"variant\":[\"dcgan\",\"cgan\"]"), json)
        let again = try JSONDecoder().decode(ExperimentProtocol.self, from: Data(json.utf8))
        XCTAssertEqual(again, p)
        XCTAssertEqual(try ExperimentPlan(again).units.map { "\($0.id) \($0.checksum)" }, plan.units.map { "\($0.id) \($0.checksum)" })
        // Without lists nothing changes: one point, no label, the ids of before.
        XCTAssertEqual(try ExperimentPlan(decode(protocolText)).units.first { $0.kind == .classifier }?.id, "classifier/original/K10/seed0")
        // A bad value inside a list is named with its line and position; settings an arm sets cannot be swept.
        func rejects(_ text: String, _ fragments: [String], line: UInt = #line) {
            XCTAssertThrowsError(try decode(text), line: line) { error in
                for fragment in fragments { XCTAssertTrue("\(error)".contains(fragment), "'\(error)' lacks '\(fragment)'", line: line) }
            }
        }
        rejects(text.replacingOccurrences(of: "gan: {variant: [dcgan, cgan], lr_g: [2e-4, 0.0001], steps: 50}\n      sampling: {per_class: 10}\n  - synthetic",
                                          with: "gan: {variant: [dcgan,\n        stylegan], steps: 50}\n      sampling: {per_class: 10}\n  - synthetic"),
                ["p.yaml:10:", "arms.1.gan.gan.variant.1", "stylegan"])
        rejects(text.replacingOccurrences(of: "lr_g: [2e-4, 0.0001]", with: "lr_g: []"), ["arms.1.gan.gan.lr_g", "an empty list"])
        rejects(text.replacingOccurrences(of: "batch_size: 32", with: "batch_size: 32, synthetic_ratio: [1, 2]"), ["synthetic_ratio is set by each arm"])
        rejects(text.replacingOccurrences(of: "steps: [100, 200]", with: "steps: [100, -1]"), ["p.yaml:5:", "classifier"])
    }

    func testBadProtocolsNameTheFileLineAndKey() throws {
        /// The message, checked for every fragment, one line and no internals.
        @discardableResult
        func rejects(_ text: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) -> String {
            assertThrowsMessage(fragments, file: file, line: line) { try decode(text) } ?? ""
        }
        rejects(protocolText.replacingOccurrences(of: "  validation_per_class: 20", with: "  validation_per_clas: 20"),
                ["p.yaml:5:", "split.validation_per_clas", "unknown key"])
        rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: two"), ["p.yaml:6:", "seeds", "expected an integer"])
        // Seeds past the limit every command has, and seeds that overflow 64 bits (a trap before), are refused.
        rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: 20000"), ["seeds must be in 1...10000, got 20000"])
        rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: 2\nfirst_seed: 18446744073709551615"),
                ["first_seed + seeds - 1 must fit in 64 bits"])
        // A list or a mapping where one value belongs: said in the user's words, not the YAML reader's node names.
        let listMessage = rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: [2, 3]"), ["p.yaml:6:", "seeds", "found a list"])
        let mappingMessage = rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: {a: 2}"), ["p.yaml:6:", "seeds", "found a mapping"])
        for message in [listMessage, mappingMessage] { XCTAssertFalse(message.contains("Scalar"), message) }
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
        // Fuzzing found that Yams traps on a base-60 integer too large for Int (it reads `1:30` as 90).
        rejects(protocolText.replacingOccurrences(of: "seeds: 2", with: "seeds: 3333333333333333333:3:3"),
                ["p.yaml:6:", "base-60 number too large for an integer"])
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
            XCTAssertTrue("\($0)".contains("seeds must be in 1...10000, got 0"), "\($0)")
        }
    }
}
