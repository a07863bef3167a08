import Augmentations
import Foundation
import Tensors
import TestSupport
import XCTest

final class PipelineTests: XCTestCase {
    func testSameSeedSameBatchOtherSeedOtherBatch() throws {
        let batch = randomTensor([16, 1, 12, 10], seed: 1, std: 0.5)
        for pipeline in [AugmentationPipeline.traditional, .strong, .randAugment, try AugmentationPipeline(parsing: "hflip,vflip,contrast=0.3")] {
            func run(_ seed: UInt64, threads: Int) -> Tensor {
                Threads.configure(threads)
                var copy = batch
                var generator = RandomGenerator(seed: seed)
                pipeline.apply(to: &copy, generator: &generator)
                return copy
            }
            let first = run(7, threads: 1)
            XCTAssertEqual(first, run(7, threads: 1), pipeline.description)
            XCTAssertEqual(first, run(7, threads: 2), "thread count changed the result of \(pipeline.description)")
            XCTAssertNotEqual(first, run(8, threads: 1), pipeline.description)
            XCTAssertNotEqual(first, batch, pipeline.description)
        }
        Threads.configure(1)
    }

    func testNoiseHasTheRequestedSpread() {
        var batch = Tensor(shape: [64, 1, 16, 16])
        var generator = RandomGenerator(seed: 2)
        AugmentationPipeline([.noise(std: 0.1, probability: 1)]).apply(to: &batch, generator: &generator)
        let values = batch.storage.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.003)
        XCTAssertEqual(std, 0.1, accuracy: 0.003)
    }

    func testErasingCoversRectanglesOfTheExpectedSize() {
        let (n, side) = (2000, 20)
        var batch = Tensor(shape: [n, 1, side, side])
        var generator = RandomGenerator(seed: 3)
        AugmentationPipeline([.erase(value: 1, probability: 1)]).apply(to: &batch, generator: &generator)
        var fractions: [Double] = []
        for index in 0..<n {
            let image = Array(batch.storage[(index * side * side)..<((index + 1) * side * side)])
            let erased = image.enumerated().filter { $0.element == 1 }.map(\.offset)
            guard let first = erased.first, let last = erased.last else { continue }
            // The erased pixels form exactly the rectangle spanned by their extremes.
            let rows = (first / side)...(last / side)
            let columns = erased.map { $0 % side }
            let box = rows.count * (columns.max()! - columns.min()! + 1)
            XCTAssertEqual(box, erased.count, "erased region of image \(index) is not a rectangle")
            fractions.append(Double(erased.count) / Double(side * side))
        }
        XCTAssertGreaterThan(fractions.count, n * 9 / 10, "most draws find a box that fits")
        let mean = fractions.reduce(0, +) / Double(fractions.count)
        // Target areas are uniform in [2%, 33%] of the image (mean 17.5%); rounding and rejected boxes move it a little.
        XCTAssertEqual(mean, 0.175, accuracy: 0.02)
        XCTAssertGreaterThanOrEqual(fractions.min()!, 0.005)
        XCTAssertLessThanOrEqual(fractions.max()!, 0.40)
    }

    func testFlipsAreExact() throws {
        let input = randomTensor([1, 2, 4, 6], seed: 4)
        var flipped = input
        var generator = RandomGenerator(seed: 5)
        try AugmentationPipeline(parsing: "hflip@1").apply(to: &flipped, generator: &generator)
        for c in 0..<2 { for r in 0..<4 { for q in 0..<6 {
            XCTAssertEqual(flipped[0, c, r, q], input[0, c, r, 5 - q], accuracy: 1e-6)
        } } }
    }

    func testCommandLineSyntaxPresetsAndRoundTrip() throws {
        XCTAssertEqual(try AugmentationPipeline(parsing: "rotate=15,shift=3,noise=0.05"), .traditional)
        XCTAssertEqual(try AugmentationPipeline(parsing: "traditional"), .traditional)
        XCTAssertEqual(AugmentationPipeline.traditional.description, "rotate=15,shift=3,noise=0.05")
        for text in ["hflip,erase=0@0.3,contrast=0.2,border=reflection", "elastic=8/3@0.7,fill=0", "randaugment=3/5", "none",
                     "strong", "scale=0.2@0.5,shear=10"] {
            let pipeline = try AugmentationPipeline(parsing: text)
            XCTAssertEqual(try AugmentationPipeline(parsing: pipeline.description), pipeline, text)
        }
        assertThrowsMessage(["unknown step 'rotat'", "known: rotate"]) { try AugmentationPipeline(parsing: "rotat=15") }
        assertThrowsMessage(["probability 2.0"]) { try AugmentationPipeline(parsing: "hflip@2") }
        assertThrowsMessage(["'x' in 'rotate=x' is not a number"]) { try AugmentationPipeline(parsing: "rotate=x") }
        assertThrowsMessage(["'hflip' takes no value"]) { try AugmentationPipeline(parsing: "hflip=3") }
        // Fuzzing findings (FuzzTesting/): a step with only a probability indexed an empty list, and an N past Int's
        // range trapped on conversion.
        assertThrowsMessage(["a step without a name in '@0.5'"]) { try AugmentationPipeline(parsing: "@0.5") }
        assertThrowsMessage(["whole N in 1...100"]) { try AugmentationPipeline(parsing: "randaugment=1e30/9") }
        assertThrowsMessage(["whole N in 1...100"]) { try AugmentationPipeline(yaml: "- randaugment: {n: 2333333333333333333333333333, m: 9}") }
        assertThrowsMessage(["a key that is a list or mapping"]) { try AugmentationPipeline(yaml: "- rotate: {{a: 1}: 2}") }
        assertThrowsMessage(["base-60 number too large"]) { try AugmentationPipeline(yaml: "- rotate: 333333333333333333:3:3") }
        XCTAssertNoThrow(try AugmentationPipeline(yaml: "- rotate: 1:30"))   // 90, as YAML 1.1 reads it
        assertThrowsMessage(["nested more than 64 levels"]) {
            try AugmentationPipeline(yaml: "operations: " + String(repeating: "{a: ", count: 5000) + "1" + String(repeating: "}", count: 5000))
        }
        assertThrowsMessage(["nested more than 64 levels"]) {   // a quote inside a plain scalar does not hide them
            try AugmentationPipeline(yaml: "- ela\"tic: {}\n- hflip: " + String(repeating: "{a: ", count: 5000))
        }
        // Messages quote the user's YAML, never a Swift dump of the decoded collections.
        for (yaml, shown) in [("- {shift: 3, rotate: 15}", "got {rotate: 15, shift: 3}"),
                              ("operations: {rotate: 15}", "got {rotate: 15}"), ("preset: [a, b]", "got [a, b]"),
                              ("- rotate: [1, 2]", "must be a number, got [1, 2]"), ("- rotate: {degrees: {a: 1}}", "got {a: 1}")] {
            let message = assertThrowsMessage([shown]) { try AugmentationPipeline(yaml: yaml) } ?? ""
            for leak in ["AnyHashable", "Optional(", "Swift."] { XCTAssertFalse(message.contains(leak), message) }
        }
    }

    func testYAMLForm() throws {
        let list = try AugmentationPipeline(yaml: """
            - rotate: 15
            - shift: 3
            - noise: 0.05
            """)
        XCTAssertEqual(list, .traditional)
        let mapping = try AugmentationPipeline(yaml: """
            preset: traditional
            border: reflection
            operations:
              - erase: {value: 0, p: 0.25}
              - elastic: {alpha: 6, sigma: 2.5}
              - hflip
            """)
        XCTAssertEqual(mapping.description, "rotate=15,shift=3,noise=0.05,erase=0@0.25,elastic=6/2.5,hflip,border=reflection")
        assertThrowsMessage(["unknown key 'operation'"]) { try AugmentationPipeline(yaml: "operation: []") }
        assertThrowsMessage(["unknown setting 'angle' of 'rotate'"]) { try AugmentationPipeline(yaml: "- rotate: {angle: 3}") }
        // As strict as the command line: a wrong type or a non-finite number is an error, never "no augmentation".
        assertThrowsMessage(["'operations' must be a list of steps"]) { try AugmentationPipeline(yaml: "operations: rotate=15") }
        assertThrowsMessage(["'preset' must be a preset name, got 5"]) { try AugmentationPipeline(yaml: "preset: 5") }
        assertThrowsMessage(["'rotate' must be a finite number"]) { try AugmentationPipeline(yaml: "- rotate: .inf") }
        assertThrowsMessage(["'p' must be a finite number"]) { try AugmentationPipeline(yaml: "- hflip: {p: .nan}") }
    }
}
