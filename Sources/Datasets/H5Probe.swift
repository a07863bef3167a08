import Foundation

/// Recognises HDF5 files by their signature, without opening them with the library.
public enum H5Probe {
    /// HDF5's format signature "\x89HDF\r\n\x1a\n", found at offset 0 (or 512, 1024, ... with a user block).
    public static func isHDF5(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset: UInt64 = 0
        while offset <= 8192 {
            guard (try? handle.seek(toOffset: offset)) != nil, let bytes = try? handle.read(upToCount: 8),
                  bytes.count == 8 else { return false }
            if [UInt8](bytes) == signature { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }
}
