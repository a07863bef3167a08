import Foundation

/// A readable outline of an AugBench HDF5 file: its kind and what that holds, then every group with its attributes
/// and datasets (name, shape, type), as `augbench data info FILE` prints it. Long lists of datasets (network
/// weights) are summarised by their count.
public enum FileOutline {
    public static func describe(_ path: String, datasetsPerGroup: Int = 12, attributeWidth: Int = 100) throws -> String {
        let file = try HDF5File.open(path)
        defer { file.close() }
        guard let kindName = file.kindName else {
            throw ResultStoreError(path, "not an AugBench file (no 'kind' attribute)")
        }
        var lines = ["file:     \(path)", "kind:     \(kindName)" + (file.kind.map { ": \($0.meaning)" } ?? " (unknown to this build)")]
        func clip(_ text: String) -> String {
            let flat = text.replacingOccurrences(of: "\n", with: "; ")
            return flat.count > attributeWidth ? String(flat.prefix(attributeWidth - 3)) + "..." : flat
        }
        func visit(_ group: HDF5Group, depth: Int) throws {
            let indent = String(repeating: "  ", count: depth)
            for name in group.attributeNames() where !["kind"].contains(name) {
                lines.append("\(indent)  @\(name) = \(clip((try? group.attributeText(name)) ?? "(unreadable)"))")
            }
            let members = group.memberNames()
            let datasets = members.filter { group.isDataset($0) }, groups = members.filter { !group.isDataset($0) }
            if datasets.count > datasetsPerGroup {
                lines.append("\(indent)  \(datasets.count) datasets (\(datasets.prefix(3).joined(separator: ", ")), ...)")
            } else {
                for name in datasets {
                    let info = try group.datasetInfo(name)
                    lines.append("\(indent)  \(name) \(info.shape) \(info.typeDescription)")
                }
            }
            for name in groups {
                lines.append("\(indent)  \(name)/")
                try visit(try group.group(name), depth: depth + 1)
            }
        }
        lines.append("/")
        try visit(file.root, depth: 0)
        return lines.joined(separator: "\n")
    }
}
