import ArgumentParser
import Augmentations
import Datasets
import Foundation

/// How a command is told which augmentation to use.
struct AugmentationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Augmentation: a preset (none, traditional, strong, randaugment) or steps such as \
        "rotate=15,shift=3,noise=0.05", "hflip@0.5,erase@0.3", "elastic=8/3" (see 'augbench augment --help').
        """, valueName: "spec"))
    var augment = "none"

    @Option(name: .customLong("augment-file"), help: ArgumentHelp("A YAML file describing the augmentation (instead of --augment).", valueName: "yaml"))
    var augmentFile: String?

    @Option(help: "Offline expansion: M augmented copies per training image, drawn once, instead of a fresh draw per batch.")
    var copies = 0

    func validate() throws {
        guard copies >= 0 else { throw ValidationError("--copies must be non-negative") }
        // A missing or malformed pipeline is reported while the options are read, with the command's own usage.
        _ = try pipeline()
    }

    func pipeline() throws -> AugmentationPipeline {
        if let augmentFile {
            guard augment == "none" else { throw ValidationError("give either --augment or --augment-file, not both") }
            guard let text = try? String(contentsOfFile: augmentFile, encoding: .utf8) else {
                throw ValidationError("cannot read \(augmentFile)")
            }
            do {
                return try AugmentationPipeline(yaml: text)
            } catch let error as AugmentationError {
                throw DatasetError(augmentFile, error.description)
            }
        }
        return try AugmentationPipeline(parsing: augment)
    }
}

struct AugmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augment",
        abstract: "Preview traditional augmentation, or expand a split's training set offline.",
        discussion: """
            Steps (comma-separated; value ranges are symmetric; @P sets the probability per sample):
              rotate=DEG  shift=PX  scale=AMOUNT  shear=DEG  hflip  vflip  elastic=ALPHA/SIGMA
              noise=STD  erase[=VALUE]  brightness=AMOUNT  contrast=AMOUNT  randaugment=N/M
              fill=V (outside value, default -1)  border=constant|border|reflection
            Presets: traditional (= rotate=15,shift=3,noise=0.05, the PyTorch protocol's), strong, randaugment.
            Geometric steps are composed into one resampling per image (bilinear, as F.grid_sample).

            Examples:
              augbench augment preview /usr/share/datasets/fashion-mnist --augment traditional \\
                  --output preview.png
              augbench augment expand --split runs/s.h5 --copies 4 --augment strong \\
                  --output runs/s-strong-x4.h5
            """,
        subcommands: [AugmentPreview.self, AugmentExpand.self]
    )
}

struct AugmentPreview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Write a PNG grid: each row an original image followed by augmented versions of it.",
        discussion: """
            Example:
              augbench augment preview /usr/share/datasets/fashion-mnist --augment "rotate=30,erase@1" \\
                  --output preview.png
            """
    )

    @Argument(help: "Dataset to take images from.")
    var path: String

    @Option(help: "Subset, for data with train and test subsets: train (default) or test.")
    var subset: DatasetSubset?

    @OptionGroup var augmentation: AugmentationOptions

    @Option(help: "Rows: number of original images (one per class, cycling).")
    var images = 10

    @Option(name: .customLong("per-image"), help: "Augmented versions per image (columns after the original).")
    var perImage = 8

    func validate() throws {
        guard (1...1000).contains(images), (0...100).contains(perImage) else {
            throw ValidationError("--images must be in 1...1000 and --per-image in 0...100")
        }
    }

    @Option(help: "Seed of the picks and the augmentation draws.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "PNG file to write.")
    var output: String

    @OptionGroup var source: SourceOptions
    @OptionGroup var global: GlobalOptions

    func run() throws {
        let console = global.makeLogger()
        let pipeline = try augmentation.pipeline()
        let set = try source.resolve(path, subset: subset).load()
        try set.requireImages(for: "a preview")
        let grid = try OfflineExpansion.preview(set, images: images, perImage: perImage, pipeline: pipeline, seed: seed)
        try PNGImage.grid(grid, columns: perImage + 1).write(output)
        console.info("wrote \(output): \(images) originals x \(perImage) augmentations (\(pipeline.description))")
    }
}

struct AugmentExpand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expand",
        abstract: "Write a split's training images with M augmented copies each to an HDF5 image set.",
        discussion: """
            The file (kind "imageset") holds the originals and their copies in order (image 0, its copies, image 1, \
            ...) with the augmentation and seed in its attributes; any command that reads HDF5 data reads it.

            Example:
              augbench augment expand --split runs/s.h5 --copies 4 --augment traditional \\
                  --output runs/s-trad-x4.h5
            """
    )

    @Option(help: "Split file from 'augbench data split'.")
    var split: String

    @OptionGroup var augmentation: AugmentationOptions

    @Option(help: "Seed of the augmentation draws.")
    var seed: UInt64 = 0

    @Option(name: [.short, .long], help: "HDF5 file to write.")
    var output: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard augmentation.copies > 0 else { throw ValidationError("--copies must be at least 1 for expand") }
    }

    func run() throws {
        let console = global.makeLogger()
        let pipeline = try augmentation.pipeline()
        let train = try SplitFile.read(split).load().train
        let expanded = try OfflineExpansion.expand(train, copies: augmentation.copies, pipeline: pipeline, seed: seed)
        try HDF5ImageSetIO.write(expanded, to: output, pixels: .float32) { root in
            try root.setAttribute("augmentation", pipeline.description)
            try root.setAttribute("copies", Int64(augmentation.copies))
            try root.setAttribute("seed", Int64(bitPattern: seed))
            try root.setAttribute("split", split)
        }
        console.info("wrote \(output): \(expanded.count) images (\(train.count) originals + \(augmentation.copies) copies each)")
    }
}
