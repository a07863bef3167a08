import Datasets
import Foundation
import ResultStore
import Tensors

/// What a sample set file (kind `gan-samples`, written by `GANSampler.write`) says about its filtering, read back
/// for reports: the counts per filter and class, and grids of kept and rejected candidates.
public struct SampleSetFile: Sendable {
    public let path: String
    public let classNames: [String]
    /// The filters that ran, then "surplus" (beyond the per-class count).
    public let rejectionRows: [String]
    /// Rejections per row (filter) and class.
    public let rejections: [[Int]]
    public let candidatesPerClass: [Int]
    public let keptPerClass: [Int]

    public static func read(_ path: String) throws -> SampleSetFile {
        let file = try HDF5File.open(path)
        defer { file.close() }
        try file.requireKind(.ganSamples)
        let root = file.root
        let names = try root.stringArrayAttribute("class_names")
        let table = try root.read("rejections", as: Int64.self)
        let classes = names.count
        let rejections = stride(from: 0, to: table.values.count, by: max(1, classes)).map { table.values[$0..<$0 + classes].map { Int($0) } }
        let labels = try root.group("candidates").read("labels", as: Int64.self).values
        var candidates = [Int](repeating: 0, count: classes)
        for label in labels where label >= 0 && Int(label) < classes { candidates[Int(label)] += 1 }
        var kept = [Int](repeating: 0, count: classes)
        for label in try root.read("labels", as: Int64.self).values where label >= 0 && Int(label) < classes { kept[Int(label)] += 1 }
        return SampleSetFile(path: path, classNames: names, rejectionRows: try root.stringArrayAttribute("rows", on: "rejections"),
                             rejections: rejections, candidatesPerClass: candidates, keptPerClass: kept)
    }

    /// A grid of rejected candidates, a row per class (up to `perClass` each, in candidate order); nil when
    /// nothing was rejected. Which filter rejected each is in the file (`candidates/rejected_by`).
    public func rejectedGrid(perClass: Int = 10) throws -> PNGImage? {
        let file = try HDF5File.open(path)
        defer { file.close() }
        let candidates = try file.root.group("candidates")
        let rejectedBy = try candidates.read("rejected_by", as: Int64.self).values
        let labels = try candidates.read("labels", as: Int64.self).values
        let rows = classNames.indices.flatMap { c in labels.indices.filter { labels[$0] == Int64(c) && rejectedBy[$0] >= 0 }.prefix(perClass) }
        guard !rows.isEmpty else { return nil }
        let images = try candidates.readTensor("images")
        return PNGImage.grid(images.gathering(rows), columns: perClass)
    }
}
