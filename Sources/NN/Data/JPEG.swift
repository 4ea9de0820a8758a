import CTurboJPEG

/// A decoded 8-bit RGB image, pixels interleaved row by row (`height × width × 3` bytes).
public struct RGBImage: Sendable, Equatable {
    public var width: Int, height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width; self.height = height; self.pixels = pixels
    }
}

/// JPEG decoding through libjpeg-turbo's TurboJPEG API.
///
/// Decoding matches libjpeg's defaults (accurate integer IDCT, fancy upsampling), as PIL's does.
/// Grey-scale files are expanded to RGB; CMYK files (Adobe's inverted convention) are converted
/// with `R = C·K/255` and likewise for G and B. libjpeg's recoverable warnings (such as extraneous
/// bytes before a marker) keep the decoded image, as PIL does; a truncated file is an error, and
/// so is one of more than 2^26 pixels (67 megapixels).
public enum JPEG {
    /// Decodes the JPEG bytes of `path` (the path only names the file in errors).
    public static func decode(_ bytes: [UInt8], path: String) throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw NNError.corruptFile(path: path, reason: "cannot initialise the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        func failure(_ what: String) -> NNError {
            let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            return NNError.corruptFile(path: path, reason: "\(what): \(message)")
        }
        guard bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF else {
            let head = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw NNError.corruptFile(path: path, reason: "not a JPEG file (starts with \(head.isEmpty ? "nothing" : head), not ff d8 ff)")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0 else { throw failure("bad JPEG header") }
        guard width > 0, height > 0, Int(width) * Int(height) <= 1 << 26 else {
            throw NNError.corruptFile(path: path, reason: "JPEG of \(width)×\(height) pixels (at most 2^26, 67 megapixels, are decoded)")
        }
        let cmyk = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
        let components = cmyk ? 4 : 3
        var raw = [UInt8](repeating: 0, count: Int(width) * Int(height) * components)
        let status = bytes.withUnsafeBufferPointer { src in
            raw.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(bytes.count), dst.baseAddress, width, 0, height,
                              Int32((cmyk ? TJPF_CMYK : TJPF_RGB).rawValue), 0)
            }
        }
        if status != 0 {
            let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? ""
            let recoverable = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue) && !message.hasPrefix("Premature end")
            if !recoverable { throw failure(message.hasPrefix("Premature end") ? "truncated JPEG" : "cannot decode JPEG") }
        }
        if cmyk {
            var rgb = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
            for p in 0..<(Int(width) * Int(height)) {
                let k = UInt32(raw[4 * p + 3])
                for c in 0..<3 { rgb[3 * p + c] = UInt8((UInt32(raw[4 * p + c]) * k + 127) / 255) }
            }
            raw = rgb
        }
        return RGBImage(width: Int(width), height: Int(height), pixels: raw)
    }

    /// Encodes `image` as a baseline JPEG of `quality` (1…100), with full-resolution chroma (4:4:4)
    /// or, with `grey`, as a one-component grey-scale JPEG of the luminance (test data and
    /// benchmark folders).
    public static func encode(_ image: RGBImage, quality: Int = 95, grey: Bool = false) throws -> [UInt8] {
        guard image.width > 0, image.height > 0, image.pixels.count == image.width * image.height * 3 else {
            throw NNError.invalidArgument("JPEG encode: \(image.pixels.count) bytes for \(image.width)×\(image.height) RGB pixels")
        }
        guard (1...100).contains(quality) else { throw NNError.invalidArgument("JPEG quality must be in 1…100, got \(quality)") }
        guard let handle = tjInitCompress() else { throw NNError.invalidArgument("cannot initialise the JPEG encoder") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer {
            tjCompress2(handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue), &output, &size,
                        Int32((grey ? TJSAMP_GRAY : TJSAMP_444).rawValue), Int32(quality), 0)
        }
        defer { tjFree(output) }
        guard status == 0, let output else {
            let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            throw NNError.invalidArgument("JPEG encode failed: \(message)")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// Reads and decodes the JPEG file at `path`.
    public static func decode(file path: String) throws -> RGBImage {
        try decode(FileBytes.raw(path), path: path)
    }
}
