import Datasets
import FuzzSupport

/// An input is a PNG file; a decoded image is encoded again (the report path).
func fuzzPNG(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzInput.withFile(start, count, suffix: ".png") { path in
        if let image = try? PNGImage.read(path) { _ = try? image.encoded() }
    }
    return 0
}

runFuzzer(fuzzPNG)
