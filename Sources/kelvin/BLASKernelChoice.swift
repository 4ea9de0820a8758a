import Foundation
import LinearAlgebra
import NN

/// `--blas-kernels`: which of OpenBLAS's kernel sets a training run uses, chosen by measuring the
/// network's own steps.
///
/// OpenBLAS picks its kernels from the CPU family, not from the products a network makes; on an
/// AMD EPYC with AVX-512 its AVX-512 set was slower for ResNet-18's shapes than its AVX2 one. So
/// `auto` times whole training steps under each candidate set (`BLASKernels.candidates`): after one
/// warm-up step, rounds of one step per set, alternating the order each round (A B, B A, A B) so a
/// machine whose speed drifts favours neither; the set with the lowest median step time is kept,
/// OpenBLAS's own unless another is at least 3 % faster. The measured steps are ordinary training
/// steps (nothing is repeated); only the rounding of the products differs between sets.
///
/// `auto` keeps OpenBLAS's choice when `OPENBLAS_CORETYPE` is set (the user chose) and under MPI.
/// The choice is cached per machine and workload (CPU model, OpenBLAS's own set, cores, network,
/// batch, input shape: what sets the products' shapes; an analog profile adds element-wise work
/// but not products) in `$XDG_CACHE_HOME/kelvin/blas-kernels.json`, so later runs, and a resumed
/// run, use the same set without measuring.
struct BLASKernelChoice {
    enum Mode: Equatable {
        /// The cached choice, else measure when the run has `minimumSteps` steps ahead, else OpenBLAS's.
        case auto
        /// Measure now (the run needs `stepsNeeded` steps) and cache.
        case measure
        /// OpenBLAS's own choice.
        case openBLAS
        /// This set.
        case named(String)

        init(_ text: String) {
            switch text.lowercased() {
            case "auto": self = .auto
            case "measure": self = .measure
            case "openblas": self = .openBLAS
            default: self = .named(text)
            }
        }
    }

    /// Steps a run must have ahead for `auto` to measure.
    static let minimumSteps = 40
    static let rounds = 3

    let mode: Mode
    /// The cache entry's key.
    let key: String
    let log: (String) -> Void

    private var order: [String] = []
    private var times: [String: [Double]] = [:]
    private var next = 0
    private var lastStep: Date?
    private var firstMeasuredStep = 0

    init(_ mode: Mode, workload: String, threads: Int, log: @escaping (String) -> Void) {
        self.mode = mode
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        key = "\(cpu) | OpenBLAS \(BLASKernels.openBLASChoice) | \(threads) cores | \(workload)"
        self.log = log
    }

    static var cachePath: String { ProfileResolver.cacheDirectory + "/blas-kernels.json" }

    /// Applies the mode before the first step; `stepsAhead` is how many steps the run will take.
    /// Measuring is skipped (OpenBLAS's choice kept) under MPI, where each rank would decide alone.
    mutating func start(stepsAhead: Int, dataParallel: Bool) throws {
        switch mode {
        case .openBLAS: return
        case .named(let name):
            do { try BLASKernels.use(name) } catch {
                throw NNError.invalidArgument("--blas-kernels \(name): \(error) (sets this CPU runs: \(BLASKernels.candidates.joined(separator: ", ")))")
            }
            log("OpenBLAS kernels: \(BLASKernels.current) (--blas-kernels)\n")
        case .auto, .measure:
            // The user's OPENBLAS_CORETYPE is a choice already made.
            if mode == .auto, ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil { return }
            if mode == .auto, let cached = Self.cache()[key] {
                if (try? BLASKernels.use(cached)) != nil {
                    log("OpenBLAS kernels: \(cached) (measured earlier on this machine for this network; \(Self.cachePath))\n")
                }
                return
            }
            let candidates = BLASKernels.candidates
            guard candidates.count > 1, !dataParallel else { return }
            guard mode == .measure || stepsAhead >= Self.minimumSteps else { return }
            let needed = 1 + Self.rounds * candidates.count
            guard stepsAhead >= needed else {
                throw NNError.invalidArgument("--blas-kernels measure needs \(needed) steps; the run has \(stepsAhead)")
            }
            for round in 0..<Self.rounds { order += round % 2 == 0 ? candidates : candidates.reversed() }
        }
    }

    /// Called after each training step (on the thread that runs the steps, between steps).
    mutating func stepFinished(step: Int) {
        guard !order.isEmpty, next <= order.count else { return }
        let now = Date()
        if next > 0, let lastStep { times[order[next - 1], default: []].append(now.timeIntervalSince(lastStep)) }
        if next == 0 { firstMeasuredStep = step + 1 }
        if next < order.count {
            try? BLASKernels.use(order[next])
        } else {
            decide(lastStep: step)
        }
        next += 1
        lastStep = Date()
    }

    private func decide(lastStep: Int) {
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }
        let own = BLASKernels.openBLASChoice
        let medians = times.mapValues(median)
        var best = own
        for (name, t) in medians where t < 0.97 * (medians[own] ?? .infinity) && t < medians[best] ?? .infinity { best = name }
        try? BLASKernels.use(best)
        let summary = medians.sorted { $0.key < $1.key }.map { String(format: "%@ %.3f", $0.key, $0.value) }.joined(separator: ", ")
        log("\rOpenBLAS kernels: \(best), measured on steps \(firstMeasuredStep)–\(lastStep) (median s/step: \(summary)); "
            + "cached in \(Self.cachePath)\n")
        var cache = Self.cache()
        cache[key] = best
        Self.store(cache)
    }

    private static func cache() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: cachePath),
              let entries = try? JSONDecoder().decode([String: String].self, from: data) else { return [:] }
        return entries
    }

    /// Writes the cache atomically; a cache that cannot be written only costs a measurement next time.
    private static func store(_ entries: [String: String]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(entries) else { return }
        try? FileManager.default.createDirectory(atPath: ProfileResolver.cacheDirectory, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: cachePath), options: .atomic)
    }
}
