import CHDF5

/// The numeric element types AugBench stores in HDF5.
public enum HDF5ElementType: String, Sendable, CaseIterable {
    case float32, float64, int32, int64, uint8

    /// The in-memory HDF5 type id for this element type.
    var nativeType: hid_t {
        switch self {
        case .float32: return augbench_h5t_native_float()
        case .float64: return augbench_h5t_native_double()
        case .int32: return augbench_h5t_native_int32()
        case .int64: return augbench_h5t_native_int64()
        case .uint8: return augbench_h5t_native_uint8()
        }
    }

    /// Classifies a stored HDF5 type; `nil` for anything AugBench does not read as numbers (strings, compounds,
    /// other integer widths are reported by `describe`).
    static func classify(_ type: hid_t) -> HDF5ElementType? {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            return size == 4 ? .float32 : size == 8 ? .float64 : nil
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            switch (size, signed) {
            case (1, false): return .uint8
            case (4, true): return .int32
            case (8, true): return .int64
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Words for any stored type, for error messages ("uint16", "string", ...).
    static func describe(_ type: hid_t) -> String {
        if let known = classify(type) { return known.rawValue }
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT: return "float\(size * 8)"
        case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        default: return "an unsupported type"
        }
    }

    /// Whether values of this type are integers.
    public var isInteger: Bool { self != .float32 && self != .float64 }
}

/// A Swift type that maps one-to-one onto an `HDF5ElementType`.
public protocol HDF5Element: Numeric, Sendable {
    static var hdf5Type: HDF5ElementType { get }
}

extension Float: HDF5Element { public static var hdf5Type: HDF5ElementType { .float32 } }
extension Double: HDF5Element { public static var hdf5Type: HDF5ElementType { .float64 } }
extension Int32: HDF5Element { public static var hdf5Type: HDF5ElementType { .int32 } }
extension Int64: HDF5Element { public static var hdf5Type: HDF5ElementType { .int64 } }
extension UInt8: HDF5Element { public static var hdf5Type: HDF5ElementType { .uint8 } }
