import Foundation
import ResultStore

/// Class names of well-known datasets, recognised from their file or folder names.
enum KnownClassNames {
    static let fashionMNIST = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    /// Kuzushiji-MNIST: the ten hiragana, romanised.
    static let kmnist = ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]

    /// Names for `classCount` classes of the dataset at `path`: Fashion-MNIST and KMNIST by name, EMNIST from
    /// its `*-mapping.txt` file when present beside the data, digits otherwise.
    static func guess(path: String, classCount: Int) -> [String] {
        let lower = path.lowercased()
        if lower.contains("fashion"), classCount <= fashionMNIST.count { return fashionMNIST }
        if lower.contains("kmnist"), classCount <= kmnist.count { return kmnist }
        if let mapped = emnistMapping(path: path), mapped.count >= classCount { return Array(mapped.prefix(classCount)) }
        return (0..<classCount).map(String.init)
    }

    /// EMNIST ships `emnist-SPLIT-mapping.txt` with lines "label ascii-code".
    private static func emnistMapping(path: String) -> [String]? {
        let name = (path as NSString).lastPathComponent
        guard name.hasPrefix("emnist-"), let range = name.range(of: "-(train|test)-", options: .regularExpression) else {
            return nil
        }
        let mappingPath = (PathName.parent(of: path) as NSString)
            .appendingPathComponent(String(name[..<range.lowerBound]) + "-mapping.txt")
        guard let text = try? String(contentsOfFile: mappingPath, encoding: .utf8) else { return nil }
        var names: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let label = Int(parts[0]), let code = UInt32(parts[1]),
                  let scalar = Unicode.Scalar(code) else { return nil }
            names[label] = String(Character(scalar))
        }
        guard let maxLabel = names.keys.max() else { return nil }
        return (0...maxLabel).map { names[$0] ?? String($0) }
    }
}
