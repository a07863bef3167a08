import Datasets
import Foundation
import ResultStore

/// Classification accuracy score (Ravuri & Vinyals 2019): the reference classifier trained on generated images
/// only, then tested on real ones. A generator whose samples teach a classifier as well as real data scores
/// like the "real" baseline; one that misses classes or modes scores lower.
public enum ClassificationAccuracyScore {
    /// Test accuracy (and the run's curves) of C trained on `synthetic` and evaluated on `realTest`.
    public static func compute(synthetic: ImageSet, realTest: ImageSet, configuration: TrainingConfiguration,
                               progress: (Int, TrainingResult) -> Void = { _, _ in }) throws -> TrainingResult {
        if let problem = SettingLimits.violation("epochs", configuration.epochs, 1...SettingLimits.epochs) {
            throw ClassifierSettingsError(problem)
        }
        try synthetic.requireImages(for: "CAS (training on generated images)")
        try realTest.requireImages(for: "CAS (testing on real images)")
        guard synthetic.imageShape == realTest.imageShape else {
            throw DatasetError(synthetic.source, "images are \(synthetic.imageShape), the real test set's are \(realTest.imageShape)")
        }
        guard synthetic.classNames == realTest.classNames else {
            throw DatasetError(synthetic.source, "classes \(synthetic.classNames) differ from the real test set's \(realTest.classNames)")
        }
        try ReferenceClassifier.check(imageShape: synthetic.imageShape, source: synthetic.source)
        let trainer = ClassifierTrainer(configuration: configuration, imageShape: synthetic.imageShape, classCount: synthetic.classCount)
        return try trainer.train(synthetic, validation: nil, test: realTest, progress: progress)
    }
}
