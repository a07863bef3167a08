import Foundation
import Datasets
import GANs
import Metrics
import ResultStore
import Sampling
import Tensors
import TestSupport
import XCTest

final class SamplerTests: XCTestCase {
    /// Three classes of 8 x 8 images a classifier can tell apart (a bright row per class), and a GAN on them.
    private func fixture(_ variant: GANVariant) throws -> (GANTrainer, ImageSet) {
        var images = randomTensor([60, 1, 8, 8], seed: 1, std: 0.1)
        let labels = (0..<60).map { $0 % 3 }
        for (index, label) in labels.enumerated() { for j in 0..<8 { images[index, 0, 2 * label + 1, j] = 1 } }
        let set = try ImageSet(images: images, labels: labels, classNames: ["a", "b", "c"], source: "rows")
        var configuration = GANConfiguration(variant: variant, imageShape: [1, 8, 8], classCount: 3)
        configuration.steps = 3
        configuration.batchSize = 8
        let trainer = try GANTrainer(configuration: configuration)
        try trainer.train(set, checkpointEvery: 100, checkpoint: { _ in })
        return (trainer, set)
    }

    private func sample(_ variant: GANVariant, _ filters: [String], perClass: Int = 4) throws -> SampleSet {
        let (trainer, train) = try fixture(variant)
        var plan = SamplingPlan(perClass: perClass, oversample: 3, filters: try filters.map(SampleFilter.init(parsing:)), seed: 2)
        plan.classifierEpochs = 5
        return try GANSampler(gan: TrainedGAN(trainer: trainer), train: train, validation: nil, extractor: nil).run(plan)
    }

    func testConditionalSamplingKeepsPerClassAndAccountsForEveryCandidate() throws {
        let set = try sample(.cgan, [])
        XCTAssertEqual(set.requestedLabels.count, 36)
        XCTAssertEqual(set.labels, set.requestedLabels, "a conditional generator's samples count for the class asked for")
        XCTAssertEqual(set.keptPerClass, [4, 4, 4])
        XCTAssertEqual(set.filters, [.duplicates(distance: 1e-3)], "near-exact duplicates are always removed")
        XCTAssertEqual(set.rejections, [[0, 0, 0], [8, 8, 8]], "no duplicates; the rest is surplus")
        XCTAssertEqual(try set.kept().count, 12)
        XCTAssertEqual(set.nearestRealPixels.count, 36)
    }

    /// dedupe at a radius that keeps some candidates and drops others makes the decisions of a plain greedy pass
    /// with full sums: a candidate is dropped when its RMS pixel distance to an earlier kept one is below the radius.
    func testDedupeMatchesAGreedyPassOverFullDistances() throws {
        let unfiltered = try sample(.cgan, [], perClass: 12)
        let dimension = 64, x = unfiltered.candidates.storage
        func rms(_ a: Int, _ b: Int) -> Double {
            ((0..<dimension).reduce(0.0) { sum, j in
                let d = Double(x[a * dimension + j] - x[b * dimension + j])
                return sum + d * d
            } / Double(dimension)).squareRoot()
        }
        let firstClass = unfiltered.labels.indices.filter { unfiltered.labels[$0] == 0 }
        let distances = firstClass.flatMap { a in firstClass.filter { $0 > a }.map { rms(a, $0) } }.sorted()
        // Halfway between two neighbouring distances, so that no pair sits on the boundary.
        let radius = (distances[distances.count / 4] + distances[distances.count / 4 + 1]) / 2
        let set = try sample(.cgan, ["dedupe=\(radius)"], perClass: 12)
        XCTAssertEqual(set.candidates.storage, x, "the same candidates as without the filter")
        for c in 0..<3 {
            var kept: [Int] = [], dropped: [Int] = []
            for index in set.labels.indices where set.labels[index] == c {
                if kept.contains(where: { rms(index, $0) < radius }) { dropped.append(index) } else { kept.append(index) }
            }
            XCTAssertFalse(dropped.isEmpty, "class \(c): the radius should drop some candidates")
            XCTAssertEqual(set.labels.indices.filter { set.labels[$0] == c && set.rejectedBy[$0] == 0 }, dropped, "class \(c)")
        }
    }

    func testFiltersRejectInOrderAndCountPerClass() throws {
        // Everything is closer than 100 RMS to a real image: the memorisation guard rejects all.
        let guarded = try sample(.cgan, ["memorisation=100"])
        XCTAssertEqual(guarded.keptPerClass, [0, 0, 0])
        XCTAssertEqual(guarded.filters.count, 2, "the default dedupe runs last")
        XCTAssertEqual(guarded.rejections[0], [12, 12, 12])
        // dedupe with a huge radius keeps the first sample of each class; the discriminator filter before it halves.
        let filtered = try sample(.cgan, ["discriminator=0.5", "dedupe=100"])
        XCTAssertEqual(filtered.rejections[0], [6, 6, 6])
        XCTAssertEqual(filtered.rejections[1], [5, 5, 5])
        XCTAssertEqual(filtered.keptPerClass, [1, 1, 1])
        for c in 0..<3 {
            let members = filtered.labels.indices.filter { filtered.labels[$0] == c }
            let kept = members.first { filtered.rejectedBy[$0] < 0 }!
            let droppedByScore = members.filter { filtered.rejectedBy[$0] == 0 }
            XCTAssertTrue(droppedByScore.allSatisfy { filtered.discriminatorScores[$0] <= filtered.discriminatorScores[kept] })
        }
        // Confidence 0 with its predicted-label check rejects exactly the samples the classifier puts elsewhere.
        let confident = try sample(.acgan, ["confidence=0"], perClass: 100)
        let rejected = confident.labels.indices.filter { confident.rejectedBy[$0] == 0 }
        XCTAssertEqual(rejected, confident.labels.indices.filter { confident.predicted[$0] != confident.labels[$0] })
    }

    func testUnconditionalSamplesArePseudoLabelled() throws {
        let set = try sample(.dcgan, ["confidence=0.5"], perClass: 2)
        XCTAssertTrue(set.requestedLabels.allSatisfy { $0 == -1 })
        XCTAssertEqual(set.labels, set.predicted)
        XCTAssertTrue(set.confidence.allSatisfy { $0 > 0 && $0 <= 1 })
        XCTAssertGreaterThan(set.classifierAccuracy, 0.9, "the rows are easy to classify")
    }

    func testFilterSyntax() throws {
        XCTAssertEqual(try SampleFilter(parsing: "discriminator=0.25"), .discriminator(keepFraction: 0.25))
        XCTAssertEqual(try SampleFilter(parsing: "memorisation-features=3"), .featureMemorisation(distance: 3))
        assertThrowsMessage(["unknown filter 'sharpness'"]) { try SampleFilter(parsing: "sharpness=1") }
        assertThrowsMessage(["not NAME=NUMBER"]) { try SampleFilter(parsing: "confidence") }
        assertThrowsMessage(["fraction in (0, 1]"]) { try SampleFilter(parsing: "discriminator=2") }
        let (trainer, train) = try fixture(.dcgan)
        assertThrowsMessage(["need a feature extractor"]) {
            try GANSampler(gan: TrainedGAN(trainer: trainer), train: train, validation: nil, extractor: nil)
                .run(SamplingPlan(perClass: 1, filters: [.realism(threshold: 1)]))
        }
    }

    /// Realism against a direct transcription of the paper's definition.
    func testRealismScoreMatchesTheDefinition() throws {
        let real = randomTensor([40, 3], seed: 5), fake = randomTensor([15, 3], seed: 6, std: 1.5)
        let scores = try RealismScore.compute(real: real, generated: fake, k: 3)
        func row(_ t: Tensor, _ i: Int) -> [Double] { (0..<3).map { Double(t.storage[i * 3 + $0]) } }
        func distance(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
        let radii = (0..<40).map { i in (0..<40).map { distance(row(real, i), row(real, $0)) }.sorted()[3] }
        let median = radii.sorted()[19]
        for j in 0..<15 {
            let expected = (0..<40).filter { radii[$0] <= median }.map { radii[$0] / distance(row(fake, j), row(real, $0)) }.max()!
            XCTAssertEqual(scores[j], expected, accuracy: 1e-9 * expected)
        }
        // A real point with one of the kept (small) balls is at its centre: infinite realism.
        let central = radii.indices.min { radii[$0] < radii[$1] }!
        XCTAssertEqual(try RealismScore.compute(real: real, generated: real.slice(central..<(central + 1))).first, .infinity)
    }

    func testPlanDecodesFiltersAsTextAndRejectsUnknownKeys() throws {
        let plan = try JSONDecoder().decode(SamplingPlan.self, from: Data(#"{"per_class": 50, "filters": ["confidence=0.9", "dedupe=0.02"]}"#.utf8))
        XCTAssertEqual(plan.perClass, 50)
        XCTAssertEqual(plan.filters, [.confidence(threshold: 0.9), .duplicates(distance: 0.02)])
        XCTAssertEqual(try JSONDecoder().decode(SamplingPlan.self, from: Data(try CanonicalSettings.text(plan).utf8)), plan)
        XCTAssertThrowsError(try JSONDecoder().decode(SamplingPlan.self, from: Data(#"{"filters": ["sharpness=1"]}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("unknown filter 'sharpness'"), "\($0)")
        }
        XCTAssertThrowsError(try JSONDecoder().decode(SamplingPlan.self, from: Data(#"{"per_clas": 5}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(SamplingPlan.self, from: Data(#"{"per_class": 0}"#.utf8)))
    }
}
