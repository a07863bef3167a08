import CPNG
import Foundation
import ResultStore
import Tensors

/// An 8-bit image decoded from or encoded to PNG (interleaved channels, row-major).
public struct PNGImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 1 (grayscale) or 3 (RGB).
    public let channels: Int
    /// height x width x channels bytes.
    public let pixels: [UInt8]

    /// An image from its bytes; traps unless `channels` is 1 or 3 and the byte count matches.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "PNGImage supports 1 or 3 channels, got \(channels)")
        precondition(pixels.count == width * height * channels, "PNGImage: \(pixels.count) bytes for \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Decodes a PNG file. Grayscale (with or without alpha) stays one channel; colour, palette and alpha
    /// images become RGB (libpng removes alpha by compositing); 16-bit samples are reduced to 8 bits.
    public static func read(_ path: String) throws -> PNGImage {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError(path, "no such file") }
        var image = augbench_png_image_new()
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            let reason = String(cString: augbench_png_image_message(&image))
            png_image_free(&image)
            throw DatasetError(path, "not a readable PNG file (\(reason))")
        }
        let isColor = image.format & augbench_png_format_flag_color() != 0
        image.format = isColor ? augbench_png_format_rgb() : augbench_png_format_gray()
        let channels = isColor ? 3 : 1
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let ok = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, Int32(width * channels), nil)
        }
        guard ok != 0 else {
            let reason = String(cString: augbench_png_image_message(&image))
            png_image_free(&image)
            throw DatasetError(path, "damaged PNG file (\(reason))")
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The PNG file's bytes, encoded in memory (for embedding, e.g. as a data URI in a report).
    public func encoded() throws -> Data {
        var image = augbench_png_image_new()
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = channels == 3 ? augbench_png_format_rgb() : augbench_png_format_gray()
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, Int32(width * channels), nil) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let written = measured != 0 && size > 0 ? pixels.withUnsafeBytes { buffer in
            bytes.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, buffer.baseAddress, Int32(width * channels), nil) }
        } : 0
        guard written != 0 else {
            let reason = String(cString: augbench_png_image_message(&image))
            png_image_free(&image)
            throw DatasetError("PNG", "cannot encode a \(width) x \(height) image (\(reason))")
        }
        return Data(bytes.prefix(Int(size)))
    }

    /// Encodes to a PNG file, replacing it atomically (written beside it, then renamed).
    public func write(_ path: String) throws {
        let directory = PathName.parent(of: path)
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let bytes = try encoded()
        let temporary = OutputPath.temporary(for: path)
        guard FileManager.default.createFile(atPath: temporary, contents: bytes) else {
            throw DatasetError(path, "cannot write PNG (\(String(cString: strerror(errno))))")
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw DatasetError(path, "cannot move PNG into place: \(String(cString: strerror(errno)))")
        }
    }

    /// One image of an NCHW tensor in [-1, 1] (C = 1 or 3), quantised to 8 bits.
    public init(tensor: Tensor, index: Int) {
        let (channels, height, width) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
        let planar = ImageSet.quantize(tensor.slice(index..<(index + 1)))
        var interleaved = [UInt8](repeating: 0, count: planar.count)
        for channel in 0..<channels {
            for pixel in 0..<(height * width) { interleaved[pixel * channels + channel] = planar[channel * height * width + pixel] }
        }
        self.init(width: width, height: height, channels: channels, pixels: interleaved)
    }

    /// A grid of the images of an NCHW tensor in [-1, 1], `columns` per row, separated by `padding` pixels of
    /// `background` (0...255). Rows are filled left to right, top to bottom.
    public static func grid(_ images: Tensor, columns: Int, padding: Int = 2, background: UInt8 = 255) -> PNGImage {
        precondition(images.rank == 4 && images.shape[0] > 0 && columns > 0, "grid needs a non-empty NCHW tensor")
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let columns = min(columns, count)
        let rows = (count + columns - 1) / columns
        let gridWidth = columns * width + (columns + 1) * padding
        let gridHeight = rows * height + (rows + 1) * padding
        var pixels = [UInt8](repeating: background, count: gridWidth * gridHeight * channels)
        let bytes = ImageSet.quantize(images)
        for index in 0..<count {
            let top = padding + (index / columns) * (height + padding)
            let left = padding + (index % columns) * (width + padding)
            for channel in 0..<channels {
                let plane = (index * channels + channel) * height * width
                for y in 0..<height {
                    for x in 0..<width {
                        pixels[((top + y) * gridWidth + left + x) * channels + channel] = bytes[plane + y * width + x]
                    }
                }
            }
        }
        return PNGImage(width: gridWidth, height: gridHeight, channels: channels, pixels: pixels)
    }
}
