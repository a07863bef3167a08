import Datasets
import FuzzSupport

/// An input is an IDX images file (written with a .gz name when its length is odd: zlib reads plain files through
/// the same call, and gzip inputs from the corpus take the decompressing path). When it parses, it is loaded with a
/// labels file of the same count, as `augbench` loads a data folder.
func fuzzIDX(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzInput.withFile(start, count, suffix: count % 2 == 1 ? "-images.gz" : "-images") { images in
        guard let contents = try? IDXReader.read(images, expectedRank: 3) else {
            _ = try? IDXReader.read(images, expectedRank: 1)
            return
        }
        let labelCount = contents.dimensions[0]
        guard labelCount <= 1 << 16 else { return }
        var header: [UInt8] = [0, 0, 8, 1] + withUnsafeBytes(of: UInt32(labelCount).bigEndian, Array.init)
        header += (0..<labelCount).map { UInt8($0 % 10) }
        header.withUnsafeBufferPointer { labels in
            FuzzInput.withFile(labels.baseAddress, labels.count, suffix: "-labels") { labelsPath in
                _ = try? IDXReader.load(images: images, labels: labelsPath)
            }
        }
    }
    return 0
}

runFuzzer(fuzzIDX)
