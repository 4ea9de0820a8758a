#if canImport(Glibc)
    import Glibc
#endif

/// A 256 KiB output buffer that result writers fill with text and numbers, flushed to a file
/// descriptor with plain `write(2)` calls, or collected in memory. The unsafe buffer stays in here.
final class ByteSink {
    private let fd: Int32?
    private let capacity = 1 << 18
    private let buffer: UnsafeMutablePointer<UInt8>
    private var count = 0
    private let tables = CNumberFormat.Tables.shared
    /// Everything written, when there is no file.
    private(set) var collected: [UInt8] = []
    /// The `errno` of a failed write (later writes are dropped), nil while all went well.
    private(set) var failure: Int32?

    /// A sink into `fd` (nil: into `collected`).
    init(fd: Int32?) {
        self.fd = fd
        buffer = .allocate(capacity: capacity)
    }

    deinit { buffer.deallocate() }

    /// Makes room for `bytes` more bytes (flushing), at most `capacity`.
    @inline(__always)
    private func reserve(_ bytes: Int) {
        if capacity - count < bytes { flush() }
    }

    /// Writes the buffered bytes out.
    func flush() {
        defer { count = 0 }
        guard let fd else {
            collected.append(contentsOf: UnsafeBufferPointer(start: buffer, count: count))
            return
        }
        guard failure == nil else { return }
        var done = 0
        while done < count {
            let w = Glibc.write(fd, buffer + done, count - done)
            if w < 0 {
                if errno == EINTR { continue }
                failure = errno
                return
            }
            done += w
        }
    }

    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                reserve(min(bytes.count - start, capacity))
                let n = min(bytes.count - start, capacity - count)
                (buffer + count).update(from: bytes.baseAddress! + start, count: n)
                count += n
                start += n
            }
        }
    }

    @inline(__always)
    func write(byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count += 1
    }

    /// A non-negative integer in decimal.
    func write(integer: Int) {
        reserve(24)
        if integer == 0 {
            buffer[count] = 48
            count += 1
            return
        }
        var v = integer.magnitude, digits = 0
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            let d = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            while v > 0 {
                d[digits] = 48 + UInt8(v % 10)
                v /= 10
                digits += 1
            }
            if integer < 0 {
                buffer[count] = UInt8(ascii: "-")
                count += 1
            }
            for k in 0..<digits { buffer[count + k] = d[digits - 1 - k] }
        }
        count += digits
    }

    /// `value` as C's `%.15e`.
    @inline(__always)
    func write(e15 value: Double) {
        reserve(CNumberFormat.maxWidth)
        count += CNumberFormat.writeE15(value, to: buffer + count, tables: tables)
    }
}
