/// A problem with input data; the description is one line naming the file and what is wrong.
public struct DatasetError: Error, CustomStringConvertible, Equatable {
    /// The file or folder the problem is in.
    public let path: String
    /// What is wrong with it.
    public let message: String

    /// An error about the file or folder at `path`.
    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
