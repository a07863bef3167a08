import CHDF5
import Foundation
import Tensors

/// Shape and element type of a stored dataset.
public struct HDF5DatasetInfo: Sendable, Equatable {
    public let shape: [Int]
    /// `nil` when the stored type is not one of `HDF5ElementType` (see `typeDescription`).
    public let elementType: HDF5ElementType?
    public let typeDescription: String
    /// Elements, or Int.max when a damaged file announces more than an Int can count.
    public var count: Int { SettingLimits.checkedProduct(shape) ?? .max }
}

/// How a dataset's bytes are laid out on disk.
public enum HDF5Compression: Sendable, Equatable {
    /// Contiguous, uncompressed.
    case none
    /// Chunked along the first axis (about 256 KiB per chunk) and deflated at `level` 1...9.
    case gzip(level: Int)
}

/// A group in an open `HDF5File`: sub-groups, n-d datasets and attributes.
///
/// Every method throws `ResultStoreError` naming the file and the object on failure. Names may be paths
/// relative to this group ("a/b").
public final class HDF5Group {
    public let file: HDF5File
    let id: hid_t
    /// Absolute path of this group inside the file ("/" for the root).
    public let path: String

    init(file: HDF5File, id: hid_t, path: String) {
        self.file = file
        self.id = id
        self.path = path
    }

    deinit {
        if H5Iis_valid(id) > 0 { H5Gclose(id) }
    }

    private func fullName(_ name: String) -> String { path == "/" ? "/\(name)" : "\(path)/\(name)" }

    private func fail(_ message: String) -> ResultStoreError { ResultStoreError(file.path, message) }

    // MARK: Groups

    /// Whether a link called `name` exists in this group.
    public func contains(_ name: String) -> Bool {
        // Check every prefix: H5Lexists fails (rather than answering no) when an intermediate group is missing.
        var prefix = ""
        for component in name.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : "\(prefix)/\(component)"
            guard H5Lexists(id, prefix, augbench_h5p_default()) > 0 else { return false }
        }
        return !prefix.isEmpty
    }

    /// Creates a sub-group (and any missing intermediate groups).
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        let lcpl = H5Pcreate(augbench_h5p_link_create())
        H5Pset_create_intermediate_group(lcpl, 1)
        defer { H5Pclose(lcpl) }
        // No modification times in object headers: the same content gives the same bytes, so a file's checksum
        // (recorded by the files that use it) survives writing it again.
        let gcpl = H5Pcreate(augbench_h5p_group_create())
        H5Pset_obj_track_times(gcpl, false)
        defer { H5Pclose(gcpl) }
        let groupID = H5Gcreate2(id, name, lcpl, gcpl, augbench_h5p_default())
        guard groupID >= 0 else { throw fail("cannot create group \(fullName(name)) (does it already exist?)") }
        return HDF5Group(file: file, id: groupID, path: fullName(name))
    }

    /// Opens an existing sub-group.
    public func group(_ name: String) throws -> HDF5Group {
        guard contains(name) else { throw fail("has no group \(fullName(name))") }
        let groupID = H5Gopen2(id, name, augbench_h5p_default())
        guard groupID >= 0 else { throw fail("\(fullName(name)) is not a group") }
        return HDF5Group(file: file, id: groupID, path: fullName(name))
    }

    /// Opens `name` if it exists, creates it otherwise.
    public func groupCreatingIfNeeded(_ name: String) throws -> HDF5Group {
        contains(name) ? try group(name) : try createGroup(name)
    }

    /// Names of the direct members (groups and datasets), in HDF5's name order.
    public func memberNames() -> [String] {
        var names: [String] = []
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else { return [] }
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0,
                                            augbench_h5p_default())
            guard length >= 0 else { continue }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                               augbench_h5p_default())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Whether `name` is a dataset (not a group).
    public func isDataset(_ name: String) -> Bool {
        guard contains(name) else { return false }
        var info = H5O_info_t()
        guard H5Oget_info_by_name1(id, name, &info, augbench_h5p_default()) >= 0 else { return false }
        return info.type == H5O_TYPE_DATASET
    }

    // MARK: Datasets

    /// Writes an n-d dataset of `values` with `shape` (row-major). Fails if the name exists.
    public func write<T: HDF5Element>(_ name: String, _ values: [T], shape: [Int],
                                      compression: HDF5Compression = .none) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw fail("cannot write \(fullName(name)): \(values.count) values do not fill shape \(shape)")
        }
        guard !contains(name) else { throw fail("cannot write \(fullName(name)): it already exists") }
        var dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(shape.count), &dims, nil)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(augbench_h5p_dataset_create())
        defer { H5Pclose(dcpl) }
        H5Pset_obj_track_times(dcpl, false)
        if case .gzip(let level) = compression, values.count > 0, !shape.isEmpty {
            let rowBytes = shape.dropFirst().reduce(1, *) * MemoryLayout<T>.size
            var chunk = dims
            chunk[0] = hsize_t(max(1, min(shape[0], (256 * 1024) / max(1, rowBytes))))
            H5Pset_chunk(dcpl, Int32(shape.count), &chunk)
            H5Pset_deflate(dcpl, UInt32(min(9, max(1, level))))
        }
        let lcpl = H5Pcreate(augbench_h5p_link_create())
        H5Pset_create_intermediate_group(lcpl, 1)
        defer { H5Pclose(lcpl) }
        let dataset = H5Dcreate2(id, name, T.hdf5Type.nativeType, space, lcpl, dcpl, augbench_h5p_default())
        guard dataset >= 0 else { throw fail("cannot create dataset \(fullName(name))") }
        defer { H5Dclose(dataset) }
        if values.isEmpty { return }
        let status = values.withUnsafeBytes { raw in
            H5Dwrite(dataset, T.hdf5Type.nativeType, augbench_h5s_all(), augbench_h5s_all(),
                     augbench_h5p_default(), raw.baseAddress)
        }
        guard status >= 0 else { throw fail("writing dataset \(fullName(name)) failed (disk full?)") }
    }

    /// Writes a tensor as a Float32 dataset with the tensor's shape.
    public func write(_ name: String, _ tensor: Tensor, compression: HDF5Compression = .none) throws {
        try write(name, tensor.storage, shape: tensor.shape, compression: compression)
    }

    /// Shape and element type of the dataset `name`.
    public func datasetInfo(_ name: String) throws -> HDF5DatasetInfo {
        let dataset = try openDataset(name)
        defer { H5Dclose(dataset) }
        return info(of: dataset)
    }

    private func openDataset(_ name: String) throws -> hid_t {
        guard contains(name) else { throw fail("has no dataset \(fullName(name))") }
        guard isDataset(name) else { throw fail("\(fullName(name)) is a group, not a dataset") }
        let dataset = H5Dopen2(id, name, augbench_h5p_default())
        guard dataset >= 0 else { throw fail("cannot open dataset \(fullName(name))") }
        return dataset
    }

    private func info(of dataset: hid_t) -> HDF5DatasetInfo {
        let space = H5Dget_space(dataset)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        H5Sget_simple_extent_dims(space, &dims, nil)
        let type = H5Dget_type(dataset)
        defer { H5Tclose(type) }
        return HDF5DatasetInfo(shape: dims.prefix(rank).map { Int($0) },
                               elementType: HDF5ElementType.classify(type),
                               typeDescription: HDF5ElementType.describe(type))
    }

    /// Reads dataset `name`, which must be stored with exactly `T`'s element type (and `rank`, if given).
    ///
    /// Use `readConverting` to accept any numeric stored type.
    public func read<T: HDF5Element>(_ name: String, as type: T.Type = T.self,
                                     rank: Int? = nil) throws -> (values: [T], shape: [Int]) {
        try read(name, rank: rank, converting: false)
    }

    /// Reads dataset `name` of any numeric stored type, converted to `T` by HDF5 (integers to floats, ...).
    public func readConverting<T: HDF5Element>(_ name: String, as type: T.Type = T.self,
                                               rank: Int? = nil) throws -> (values: [T], shape: [Int]) {
        try read(name, rank: rank, converting: true)
    }

    private func read<T: HDF5Element>(_ name: String, rank: Int?, converting: Bool) throws -> (values: [T], shape: [Int]) {
        let dataset = try openDataset(name)
        defer { H5Dclose(dataset) }
        let info = info(of: dataset)
        if let rank, info.shape.count != rank {
            throw fail("dataset \(fullName(name)) has rank \(info.shape.count) (shape \(info.shape)), expected rank \(rank)")
        }
        if converting {
            guard info.elementType != nil || info.typeDescription.hasPrefix("int") || info.typeDescription.hasPrefix("uint")
                    || info.typeDescription.hasPrefix("float") else {
                throw fail("dataset \(fullName(name)) holds \(info.typeDescription), expected numbers")
            }
        } else if info.elementType != T.hdf5Type {
            throw fail("dataset \(fullName(name)) has type \(info.typeDescription), expected \(T.hdf5Type.rawValue)")
        }
        // Sizes come from the file: refuse what this machine cannot hold rather than fail to allocate.
        guard let bytes = SettingLimits.checkedProduct(info.shape + [MemoryLayout<T>.stride]),
              UInt64(bytes) <= ProcessInfo.processInfo.physicalMemory else {
            throw fail("dataset \(fullName(name)) announces shape \(info.shape), more than this machine's memory holds (damaged file?)")
        }
        // Deflate compresses at most about 1032:1, so a dataset that announces far more elements than its stored bytes
        // could hold is a damaged header (libhdf5 would otherwise fill gigabytes with fill values).
        let stored = Int(clamping: H5Dget_storage_size(dataset))
        guard info.count <= (1 << 20) || info.count / 1100 <= stored else {
            throw fail("dataset \(fullName(name)) announces shape \(info.shape) but stores \(stored) bytes: a damaged file")
        }
        var values = [T](repeating: 0, count: info.count)
        if values.isEmpty { return (values, info.shape) }
        let status = values.withUnsafeMutableBytes { raw in
            HDF5ReadGuard.reading(file.path, metadata: false) {
                H5Dread(dataset, T.hdf5Type.nativeType, augbench_h5s_all(), augbench_h5s_all(), augbench_h5p_default(), raw.baseAddress)
            }
        }
        guard status >= 0 else { throw fail("reading dataset \(fullName(name)) failed (damaged file?)") }
        return (values, info.shape)
    }

    /// Reads a Float32 dataset as a tensor; `shape`, when given, must match exactly.
    public func readTensor(_ name: String, shape expected: [Int]? = nil) throws -> Tensor {
        let (values, shape) = try read(name, as: Float.self)
        if let expected, expected != shape {
            throw fail("dataset \(fullName(name)) has shape \(shape), expected \(expected)")
        }
        return try Tensor(shape: shape, storage: values)
    }

    // MARK: Attributes

    /// Sets (or replaces) a string attribute on this group, or on the member `object` when given.
    public func setAttribute(_ name: String, _ value: String, on object: String = ".") throws {
        try setStringAttribute(name, [value], scalar: true, on: object)
    }

    /// Sets (or replaces) a one-dimensional string array attribute.
    public func setAttribute(_ name: String, _ values: [String], on object: String = ".") throws {
        try setStringAttribute(name, values, scalar: false, on: object)
    }

    /// Sets (or replaces) a numeric scalar attribute.
    public func setAttribute<T: HDF5Element>(_ name: String, _ value: T, on object: String = ".") throws {
        try setNumericAttribute(name, [value], scalar: true, on: object)
    }

    /// Sets (or replaces) a one-dimensional numeric array attribute.
    public func setAttribute<T: HDF5Element>(_ name: String, _ values: [T], on object: String = ".") throws {
        try setNumericAttribute(name, values, scalar: false, on: object)
    }

    private func objectName(_ object: String) -> String { object == "." ? path : fullName(object) }

    private func prepareAttribute(_ name: String, on object: String) throws {
        guard object == "." || contains(object) else {
            throw fail("cannot set attribute '\(name)': \(fullName(object)) does not exist")
        }
        if H5Aexists_by_name(id, object, name, augbench_h5p_default()) > 0 {
            H5Adelete_by_name(id, object, name, augbench_h5p_default())
        }
    }

    private func makeSpace(count: Int, scalar: Bool) -> hid_t {
        if scalar { return H5Screate(H5S_SCALAR) }
        var dims = [hsize_t(count)]
        return H5Screate_simple(1, &dims, nil)
    }

    private func setNumericAttribute<T: HDF5Element>(_ name: String, _ values: [T], scalar: Bool,
                                                     on object: String) throws {
        try prepareAttribute(name, on: object)
        let space = makeSpace(count: values.count, scalar: scalar)
        defer { H5Sclose(space) }
        let type = T.hdf5Type.nativeType
        let attribute = H5Acreate_by_name(id, object, name, type, space, augbench_h5p_default(),
                                          augbench_h5p_default(), augbench_h5p_default())
        guard attribute >= 0 else { throw fail("cannot create attribute '\(name)' on \(objectName(object))") }
        defer { H5Aclose(attribute) }
        let status = values.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) }
        guard status >= 0 else { throw fail("cannot write attribute '\(name)' on \(objectName(object))") }
    }

    /// Variable-length UTF-8 strings: what h5py writes for `str` and reads back as `str`.
    private func variableStringType() -> hid_t {
        let type = H5Tcopy(augbench_h5t_c_s1())
        H5Tset_size(type, augbench_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    private func setStringAttribute(_ name: String, _ values: [String], scalar: Bool, on object: String) throws {
        try prepareAttribute(name, on: object)
        let space = makeSpace(count: values.count, scalar: scalar)
        defer { H5Sclose(space) }
        let type = variableStringType()
        defer { H5Tclose(type) }
        let attribute = H5Acreate_by_name(id, object, name, type, space, augbench_h5p_default(),
                                          augbench_h5p_default(), augbench_h5p_default())
        guard attribute >= 0 else { throw fail("cannot create attribute '\(name)' on \(objectName(object))") }
        defer { H5Aclose(attribute) }
        let cStrings = values.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let status = cStrings.withUnsafeBufferPointer { buffer in
            H5Awrite(attribute, type, UnsafeRawPointer(buffer.baseAddress))
        }
        guard status >= 0 else { throw fail("cannot write attribute '\(name)' on \(objectName(object))") }
    }

    /// Names of the attributes of this group (or of `object`), in name order.
    public func attributeNames(on object: String = ".") -> [String] {
        guard object == "." || contains(object) else { return [] }
        var info = H5O_info_t()
        guard H5Oget_info_by_name1(id, object, &info, augbench_h5p_default()) >= 0 else { return [] }
        return (0..<info.num_attrs).compactMap { index -> String? in
            let length = H5Aget_name_by_idx(id, object, H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, augbench_h5p_default())
            guard length >= 0 else { return nil }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            H5Aget_name_by_idx(id, object, H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, augbench_h5p_default())
            return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    /// Any attribute as text: a string, a number, or a list of either ("[1, 28, 28]").
    public func attributeText(_ name: String, on object: String = ".") throws -> String {
        if let strings = try? stringArrayAttribute(name, on: object) {
            return strings.count == 1 ? strings[0] : "[" + strings.joined(separator: ", ") + "]"
        }
        let values = try arrayAttribute(name, as: Double.self, on: object)
        // Settings stored from Float read best in Float's shortest form (0.001, not 0.0010000000474974513).
        let texts = values.map { value -> String in
            if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
            return Double(Float(value)) == value ? String(Float(value)) : String(value)
        }
        return texts.count == 1 ? texts[0] : "[" + texts.joined(separator: ", ") + "]"
    }

    /// Whether the attribute exists on this group (or on `object`).
    public func hasAttribute(_ name: String, on object: String = ".") -> Bool {
        (object == "." || contains(object)) && H5Aexists_by_name(id, object, name, augbench_h5p_default()) > 0
    }

    private func openAttribute(_ name: String, on object: String) throws -> hid_t {
        guard hasAttribute(name, on: object) else {
            throw fail("\(objectName(object)) has no attribute '\(name)'")
        }
        let attribute = H5Aopen_by_name(id, object, name, augbench_h5p_default(), augbench_h5p_default())
        guard attribute >= 0 else { throw fail("cannot open attribute '\(name)' on \(objectName(object))") }
        return attribute
    }

    /// Reads a string attribute (scalar, or the single element of a one-element array).
    public func stringAttribute(_ name: String, on object: String = ".") throws -> String {
        let values = try stringArrayAttribute(name, on: object)
        guard values.count == 1 else {
            throw fail("attribute '\(name)' on \(objectName(object)) holds \(values.count) strings, expected one")
        }
        return values[0]
    }

    /// Reads a string array attribute; accepts variable- and fixed-length strings (h5py and h5dump both write them).
    public func stringArrayAttribute(_ name: String, on object: String = ".") throws -> [String] {
        let attribute = try openAttribute(name, on: object)
        defer { H5Aclose(attribute) }
        let storedType = H5Aget_type(attribute)
        defer { H5Tclose(storedType) }
        guard H5Tget_class(storedType) == H5T_STRING else {
            throw fail("attribute '\(name)' on \(objectName(object)) is \(HDF5ElementType.describe(storedType)), expected a string")
        }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        if H5Tis_variable_str(storedType) > 0 {
            let memoryType = variableStringType()
            defer { H5Tclose(memoryType) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard HDF5ReadGuard.reading(file.path, metadata: true, { H5Aread(attribute, memoryType, &pointers) }) >= 0 else {
                throw fail("cannot read attribute '\(name)' on \(objectName(object))")
            }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            H5Dvlen_reclaim(memoryType, space, augbench_h5p_default(), &pointers)
            return strings
        }
        let width = H5Tget_size(storedType)
        var bytes = [UInt8](repeating: 0, count: width * count)
        guard HDF5ReadGuard.reading(file.path, metadata: true, { H5Aread(attribute, storedType, &bytes) }) >= 0 else {
            throw fail("cannot read attribute '\(name)' on \(objectName(object))")
        }
        return (0..<count).map { index in
            let slice = bytes[(index * width)..<((index + 1) * width)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Reads a numeric scalar attribute, converted to `T`.
    public func attribute<T: HDF5Element>(_ name: String, as type: T.Type = T.self, on object: String = ".") throws -> T {
        let values: [T] = try arrayAttribute(name, on: object)
        guard values.count == 1 else {
            throw fail("attribute '\(name)' on \(objectName(object)) holds \(values.count) values, expected one")
        }
        return values[0]
    }

    /// Reads a numeric array attribute, converted to `T`.
    public func arrayAttribute<T: HDF5Element>(_ name: String, as type: T.Type = T.self, on object: String = ".") throws -> [T] {
        let attribute = try openAttribute(name, on: object)
        defer { H5Aclose(attribute) }
        let storedType = H5Aget_type(attribute)
        defer { H5Tclose(storedType) }
        let storedClass = H5Tget_class(storedType)
        guard storedClass == H5T_INTEGER || storedClass == H5T_FLOAT else {
            throw fail("attribute '\(name)' on \(objectName(object)) is \(HDF5ElementType.describe(storedType)), expected a number")
        }
        let space = H5Aget_space(attribute)
        defer { H5Sclose(space) }
        var values = [T](repeating: 0, count: Int(H5Sget_simple_extent_npoints(space)))
        let status = values.withUnsafeMutableBytes { raw in
            HDF5ReadGuard.reading(file.path, metadata: true) { H5Aread(attribute, T.hdf5Type.nativeType, raw.baseAddress) }
        }
        guard status >= 0 else { throw fail("cannot read attribute '\(name)' on \(objectName(object))") }
        return values
    }
}
