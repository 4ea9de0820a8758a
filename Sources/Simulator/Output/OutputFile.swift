#if canImport(Glibc)
    import Glibc
#endif

/// Opens the files results are written to.
package enum OutputFile {
    /// A file descriptor for writing `path` from its start (−1 with `errno` set when it cannot be
    /// opened). An existing regular file with a single link is removed and created anew, with its
    /// permission bits, rather than truncated; a symbolic link, a file with several links or a file
    /// that cannot be removed is written through and truncated, as `open(O_TRUNC)` does.
    ///
    /// Why: on ext4 truncating a written file to zero frees its blocks (a synchronous discard on a
    /// `discard` mount) and marks it to be flushed to disk when closed (`auto_da_alloc`). Rerunning a
    /// deck into the same folder (`kelvin sim DECK --out DIR`, as `bench/sim.sh` does) waited 1–3 ms
    /// for that per file, about as long as simulating a small deck; a new file costs neither.
    package static func create(_ path: String) -> Int32 {
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_nlink == 1, unlink(path) == 0 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0o7777)
            if fd >= 0 { return fd }
        }
        return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    }

    /// Writes `bytes` to `path` (replaced as `create` does); the `errno` of a failure, nil when all went well.
    package static func write(_ bytes: [UInt8], to path: String) -> Int32? {
        let fd = create(path)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return bytes.withUnsafeBufferPointer { buffer -> Int32? in
            var done = 0
            while done < buffer.count {
                let w = Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                if w < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                done += w
            }
            return nil
        }
    }
}
