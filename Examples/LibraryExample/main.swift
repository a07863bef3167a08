// Using AugBench as a library: the question `augbench run` answers, asked from a Swift program.
//
//   swift run -c release augbench-library-example [OUTPUT_FOLDER] [DATA]
//
// A protocol is decoded from YAML into the same settings types the commands fill, run (each unit a file under
// OUTPUT_FOLDER/units, so a second run reuses them), and its verdicts read back; then the statistics and metrics
// the runner used are called on their own. The scale is tiny (10 images per class, a GAN of 40 steps, 3 seeds) so
// that the test suite runs this program in well under a minute; a real protocol looks like Baselines/quick.yaml.
import Datasets
import Experiments
import Foundation
import Metrics
import Statistics

let arguments = Array(CommandLine.arguments.dropFirst())
let output = arguments.count > 0 ? arguments[0] : "runs/library-example"
let data = arguments.count > 1 ? arguments[1] : "/usr/share/datasets/fashion-mnist"

// 1. The data: any path the commands read (IDX, HDF5, PNG class folders), with its train and test subsets.
let training = try DatasetSource.resolve(data).load()
print("\(data): \(training.count) training images of \(training.classCount) classes")

// 2. A protocol, as `augbench run` reads it from a file.
let yaml = """
    name: library-example
    dataset: \(data)
    split: {per_class: 10, validation_per_class: 10}
    seeds: 3
    classifier: {steps: 60, batch_size: 32, evaluate_every: 20, select_best_validation: true}
    arms:
      - original
      - traditional
      - gan:
          gan: {variant: cgan, diffaugment: true, steps: 40, batch_size: 32}
          sampling: {per_class: 10, classifier_epochs: 5}
          ratio: 1
    """
let experiment = try SettingsFile.decode(ExperimentProtocol.self, yaml: yaml, path: "library-example.yaml")

// 3. Run it: every arm over the same seeds, then the paired statistics and a verdict per comparison.
let summary = try ExperimentRunner.run(experiment, output: output, threads: 2)
for cell in summary.cells {
    print("\(cell.label): mean accuracy \(String(format: "%.4f", cell.mean)) over \(cell.accuracies.count) seeds")
}
for comparison in summary.comparisons {
    print(comparison.sentence)
}

// 4. The statistics on their own: the gan arm against the original one, seed by seed.
guard let original = summary.cells.first(where: { $0.kind == "original" }),
      let gan = summary.cells.first(where: { $0.kind == "gan" }) else {
    fatalError("the protocol above has an original and a gan arm")
}
let statistics = PairedComparison(arm: gan.accuracies, baseline: original.accuracies, bootstrapSeed: 0)
print("gan - original: \(String(format: "%+.4f", statistics.meanDifference)), p \(String(format: "%.3g", statistics.tTest.pValue)) "
      + "before correction, verdict: \(statistics.verdict())")

// 5. The metrics on their own: the first seed's samples against the real test images, in the features of the
//    extractor that ships with AugBench (trained on Fashion-MNIST).
let plan = try ExperimentPlan(experiment)
guard let samples = plan.units.first(where: { $0.kind == .samples }) else { fatalError("the gan arm has samples") }
let extractor = try FeatureExtractor.load(path: nil)
let real = try FeatureSet.make(DatasetSource.resolve(data, subset: .test), extractor: extractor, stream: 1)
let fake = try FeatureSet.make(DatasetSource.resolve("\(output)/units/\(samples.id).h5"), extractor: extractor, stream: 2)
let quality = try real.metrics(against: fake)
print("samples of seed \(samples.seed): FID \(String(format: "%.1f", quality.fid)), "
      + "precision \(String(format: "%.3f", quality.manifold.precision)), recall \(String(format: "%.3f", quality.manifold.recall))")
