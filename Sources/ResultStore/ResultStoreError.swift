/// A failure reading or writing an AugBench file; the description is one line naming the file and the problem.
public struct ResultStoreError: Error, CustomStringConvertible, Equatable {
    /// The file concerned.
    public let path: String
    /// What is wrong, in words a user can act on.
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
