/// Every kind of HDF5 file AugBench writes (the root attribute `kind`), what it holds and the module whose one
/// reader and one writer handle it. `augbench data info FILE` describes each of them.
public enum FileKind: String, Sendable, CaseIterable {
    case split
    case imageset
    case training
    case ganCheckpoint = "gan-checkpoint"
    case ganSamples = "gan-samples"
    case metrics
    case extractor
    case featureCache = "feature-cache"
    case experimentRun = "experiment-run"

    /// What a file of this kind holds, in a few words.
    public var meaning: String {
        switch self {
        case .split: return "a split: indices into a source with its checksums (Datasets.SplitFile)"
        case .imageset: return "labelled images, optionally in /train and /test groups (Datasets.HDF5ImageSetIO)"
        case .training: return "a classifier run: settings, the training set's composition, curves and weights per seed (Classifiers.TrainingRunFile)"
        case .ganCheckpoint: return "a GAN's complete training state (GANs.GANTrainer, TrainedGAN)"
        case .ganSamples: return "kept GAN samples as an image set, every candidate with its scores and fate (Sampling.GANSampler)"
        case .metrics: return "generative metrics between a real and a generated set (Metrics.MetricsReport)"
        case .extractor: return "a feature extractor's weights (Metrics.FeatureExtractor)"
        case .featureCache: return "cached features and logits of a dataset (Metrics.FeatureCache)"
        case .experimentRun: return "a protocol's results: accuracies per arm, K, ratio and seed, paired statistics and verdicts (Experiments.ExperimentSummary)"
        }
    }
}
