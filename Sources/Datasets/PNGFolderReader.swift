import Foundation
import ResultStore
import Tensors

/// Reader for a folder of PNG files with one sub-folder per class (torchvision's `ImageFolder` layout).
///
/// ```
/// root/Coat/0001.png
/// root/Dress/0002.png ...
/// ```
/// Classes are the sub-folder names sorted alphabetically; files are read in sorted order. All images must have
/// the same size and the same channel count (grayscale or RGB).
public enum PNGFolderReader {
    /// Class folders and their PNG files, sorted; the paths used for reading and for the fingerprint.
    static func listing(_ root: String) throws -> [(className: String, files: [String])] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else {
            throw DatasetError(root, "no such folder")
        }
        guard isDirectory.boolValue else { throw DatasetError(root, "is a file, expected a folder of class folders") }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let classes = entries.filter { entry in
            var dir: ObjCBool = false
            return !entry.hasPrefix(".")
                && FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(entry), isDirectory: &dir)
                && dir.boolValue
        }.sorted()
        guard !classes.isEmpty else { throw DatasetError(root, "has no class sub-folders") }
        return try classes.map { className in
            let folder = (root as NSString).appendingPathComponent(className)
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.lowercased().hasSuffix(".png") && !$0.hasPrefix(".") }
                .sorted()
                .map { (folder as NSString).appendingPathComponent($0) }
            guard !files.isEmpty else { throw DatasetError(folder, "class folder has no .png files") }
            return (className, files)
        }
    }

    /// Loads every PNG under `root` into an `ImageSet`.
    public static func load(_ root: String) throws -> ImageSet {
        let classes = try listing(root)
        var first: (width: Int, height: Int, channels: Int, path: String)?
        var planar: [UInt8] = []
        var labels: [Int] = []
        for (label, entry) in classes.enumerated() {
            for file in entry.files {
                let image = try PNGImage.read(file)
                if let first {
                    guard image.width == first.width, image.height == first.height else {
                        throw DatasetError(file, "image is \(image.width)x\(image.height), but \(first.path) is "
                                           + "\(first.width)x\(first.height): all images must have one size")
                    }
                    guard image.channels == first.channels else {
                        let words = { (c: Int) in c == 1 ? "grayscale" : "RGB" }
                        throw DatasetError(file, "image is \(words(image.channels)), but \(first.path) is "
                                           + "\(words(first.channels)): all images must have the same channels")
                    }
                } else {
                    first = (image.width, image.height, image.channels, file)
                    planar.reserveCapacity(image.pixels.count * classes.reduce(0) { $0 + $1.files.count })
                }
                // Interleaved HWC bytes to planar CHW.
                let pixelsPerPlane = image.width * image.height
                for channel in 0..<image.channels {
                    for pixel in 0..<pixelsPerPlane { planar.append(image.pixels[pixel * image.channels + channel]) }
                }
                labels.append(label)
            }
        }
        guard let shape = first else { throw DatasetError(root, "no images") }
        let images = ImageSet.normalize(planar, shape: [labels.count, shape.channels, shape.height, shape.width])
        return try ImageSet(images: images, labels: labels, classNames: classes.map(\.className), source: root)
    }

    /// Writes `set` as a PNG folder: `root/<class name>/<index>.png` (class names made safe for file names).
    public static func write(_ set: ImageSet, to root: String) throws {
        let width = String(max(1, set.count - 1)).count
        for index in 0..<set.count {
            let folder = (root as NSString).appendingPathComponent(safeFileName(set.classNames[set.labels[index]]))
            let name = String(repeating: "0", count: width - String(index).count) + String(index) + ".png"
            try PNGImage(tensor: set.images, index: index).write((folder as NSString).appendingPathComponent(name))
        }
    }

    /// Writes a new folder of class folders at `root` (one set), or of `train/` and `test/` folders of class folders
    /// (several subsets), complete or not at all: it is built under a temporary name and renamed. Refuses an
    /// existing `root`.
    public static func write(subsets: [(subset: DatasetSubset?, set: ImageSet)], to root: String) throws {
        guard !FileManager.default.fileExists(atPath: root) else {
            throw DatasetError(root, "already exists; PNG export writes a new folder")
        }
        let temporary = OutputPath.temporary(for: root)
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        for (subset, set) in subsets {
            try write(set, to: subset.map { (temporary as NSString).appendingPathComponent($0.rawValue) } ?? temporary)
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: root)
    }

    /// "T-shirt/top" -> "T-shirt_top": class names can contain characters that paths cannot.
    static func safeFileName(_ name: String) -> String {
        let cleaned = name.map { "/\\:\0".contains($0) ? "_" : $0 }
        let result = String(cleaned).trimmingCharacters(in: .whitespaces)
        return result.isEmpty || result.hasPrefix(".") ? "_" + result : result
    }
}
