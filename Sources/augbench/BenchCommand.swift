import ArgumentParser
import Augmentations
import Classifiers
import Foundation
import GANs
import Layers
import Metrics
import Tensors

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the reference workloads (same shapes as the PyTorch anchor script).",
        discussion: """
            Prints which OpenBLAS kernels the products use (OpenBLAS picks them for the CPU when it loads; \
            OPENBLAS_CORETYPE overrides the choice), then one line per workload: name and rate. Compare with \
            PyTorch in one run with Benchmarks/compare-with-pytorch.sh; Benchmarks/profile.sh counts where a \
            step's instructions go.

            Example:
              augbench bench --threads 2
            """
    )

    @Option(help: "Seconds to time each workload, after the warm-up runs (0-3600; 0 times none).")
    var seconds = 4.0

    @Option(name: .customLong("warm-up"), help: "Untimed runs of each workload before timing (0-100; Benchmarks/profile.sh counts 1 and 3 of them under callgrind, with --seconds 0).")
    var warmUp = 3

    @Option(help: "Run only the workloads whose name contains this text.")
    var only: String?

    @Flag(name: .customLong("per-layer"), help: "Also print forward and backward milliseconds per layer of the classifier step.")
    var perLayer = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (0...3600).contains(seconds) else { throw ValidationError("--seconds must be in 0...3600, got \(seconds)") }
        guard (0...100).contains(warmUp) else { throw ValidationError("--warm-up must be in 0...100, got \(warmUp)") }
    }

    func run() throws {
        Threads.configure(global.threads)
        let coretype = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"
        print("# threads \(global.threads), OPENBLAS_CORETYPE=\(coretype), OpenBLAS kernels: \(BLAS.coreName) (\(BLAS.configuration))")

        // DCGAN step at batch 64: D on real and fake, G through D (anchor: torch_workloads.gan_step).
        var generator = RandomGenerator(seed: 0)
        let gan = try GANModel(configuration: GANConfiguration(variant: .dcgan))
        var real = Tensor(shape: [64, 1, 28, 28]), noise = Tensor(shape: [64, 100, 1, 1])
        let labels = Tensor(shape: [64])
        generator.fillUniform(&real, low: -1, high: 1)
        if selected("dcgan_step_b64") { print(String(format: "dcgan_step_b64 %.2f steps/s", rate(seconds) {
            generator.fillNormal(&noise)
            gan.generator.forward(noise: noise, labels: nil, mode: .training)
            _ = gan.discriminatorStep(real: real, realLabels: labels, fake: gan.generator.output, fakeLabels: labels)
            _ = gan.generatorStep(noise: noise, labels: labels)
        })) }

        // Classifier step at batch 128 (random inputs and labels, as the PyTorch script).
        let trainer = ClassifierTrainer(configuration: TrainingConfiguration(), imageShape: [1, 28, 28], classCount: 10)
        var x = Tensor(shape: [128, 1, 28, 28])
        generator.fillUniform(&x)
        let y = (0..<128).map { _ in generator.integer(below: 10) }
        if selected("classifier_step_b128") {
            print(String(format: "classifier_step_b128 %.2f steps/s", rate(seconds) { trainer.step(x, labels: y) }))
        }

        if perLayer { profileLayers(trainer.network, x, y) }

        // The traditional preset on a classifier batch (issue target: under 10% of a classifier step).
        if selected("augment_b128") {
            var batch = x, draws = RandomGenerator(seed: 2)
            let augmentRate = rate(seconds) {
                batch = x
                AugmentationPipeline.traditional.apply(to: &batch, generator: &draws)
            }
            print(String(format: "augment_b128 %.2f batches/s", augmentRate))
        }

        // Frechet distance of two 10000 x 128 feature sets, statistics included (anchor: scipy sqrtm path).
        if selected("frechet") {
            var a = Tensor(shape: [10000, 128]), b = Tensor(shape: [10000, 128])
            generator.fillNormal(&a)
            generator.fillNormal(&b, mean: 0.1)
            let frechetRate = rate(seconds) { _ = try? FrechetDistance.compute(a, b) }
            print(String(format: "frechet_10k_d128 %.2f per s", frechetRate))
        }

        if selected("sgemm_2048") { print(String(format: "sgemm_2048 %.1f GFLOP/s", sgemmRate(seconds))) }

        // Features of 1000 images: the classifier up to its 128-d ReLU, evaluation mode.
        let features = Sequential(Array(trainer.network.layers.prefix(ReferenceClassifier.featureLayerIndex)))
        var big = Tensor(shape: [1000, 1, 28, 28])
        generator.fillUniform(&big)
        if selected("extract_1000") {
            print(String(format: "extract_1000 %.2f batches/s", rate(seconds) { features.forward(big, mode: .evaluation) }))
        }
    }

    /// OpenBLAS sgemm on 2048 x 2048 matrices, split across AugBench's threads as the layers split theirs: the
    /// machine's dense-math ceiling, in GFLOP/s.
    private func sgemmRate(_ seconds: Double) -> Double {
        let n = 2048
        var generator = RandomGenerator(seed: 1)
        var a = Tensor(shape: [n, n]), b = Tensor(shape: [n, n]), c = Tensor(shape: [n, n])
        generator.fillUniform(&a)
        generator.fillUniform(&b)
        let calls = a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    rate(seconds) {
                        BLAS.parallelSgemm(.none, .none, m: n, n: n, k: n, a: pa.baseAddress!, lda: n, b: pb.baseAddress!, ldb: n,
                                           c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return calls * 2 * Double(n * n * n) / 1e9
    }

    /// Milliseconds per forward and backward of each layer, averaged over 20 steps.
    private func profileLayers(_ network: Sequential, _ x: Tensor, _ labels: [Int]) {
        let layers = network.layers
        var forward = [Double](repeating: 0, count: layers.count), backward = forward
        var gradient = Tensor(shape: [0])
        let steps = 20
        for _ in 0..<steps {
            for (index, layer) in layers.enumerated() {
                let start = Date()
                layer.forward(index == 0 ? x : layers[index - 1].output, mode: .training)
                forward[index] += Date().timeIntervalSince(start)
            }
            _ = SoftmaxCrossEntropy()(network.output, labels: labels, gradient: &gradient)
            for index in stride(from: layers.count - 1, through: 0, by: -1) {
                let start = Date()
                layers[index].backward(input: index == 0 ? x : layers[index - 1].output,
                                       outputGradient: index == layers.count - 1 ? gradient : layers[index + 1].inputGradient)
                backward[index] += Date().timeIntervalSince(start)
            }
        }
        for (index, layer) in layers.enumerated() {
            print(String(format: "  %2d %-10@ forward %7.2f ms  backward %7.2f ms", index, "\(type(of: layer))" as NSString,
                         forward[index] * 1000 / Double(steps), backward[index] * 1000 / Double(steps)))
        }
    }

    private func selected(_ name: String) -> Bool { only.map { name.contains($0) } ?? true }

    /// Calls per second of `body` over about `seconds`, after the warm-up calls (0 when nothing was timed).
    private func rate(_ seconds: Double, _ body: () -> Void) -> Double {
        for _ in 0..<warmUp { body() }
        var calls = 0
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            body()
            calls += 1
        }
        return calls == 0 ? 0 : Double(calls) / Date().timeIntervalSince(start)
    }
}
