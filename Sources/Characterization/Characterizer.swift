import Collective
import Dispatch
import Foundation
import Netlist
import Randomness
import Simulator
import Synchronization
import TransferCurves

/// Settings of one characterisation run.
public struct CharacterizationOptions: Sendable {
    /// Monte Carlo instances (0: nominal table only).
    public var monteCarloInstances: Int
    public var tolerances: Tolerances
    public var seed: UInt64
    /// Relative residual target of the separable fit of a 2-D table.
    public var fitTarget: Double
    /// x range for the Monte Carlo gain/offset fit (nil: the spec's, else the whole grid).
    public var gainFitRange: ClosedRange<Double>?
    /// With two or more tolerances that match elements, run the Monte Carlo once more per
    /// tolerance alone (same seed and instances) to break the spread down
    /// (`MonteCarloStatistics.contributions`); costs one extra Monte Carlo per tolerance.
    public var toleranceBreakdown: Bool
    /// The command line, recorded in the provenance.
    public var command: String?
    /// The timestamp recorded in the provenance.
    public var date: Date

    public init(
        monteCarloInstances: Int = 0, tolerances: Tolerances = Tolerances(), seed: UInt64 = 1, fitTarget: Double = 1e-3,
        gainFitRange: ClosedRange<Double>? = nil, toleranceBreakdown: Bool = true, command: String? = nil,
        date: Date = Date()
    ) {
        self.gainFitRange = gainFitRange
        self.toleranceBreakdown = toleranceBreakdown
        self.monteCarloInstances = monteCarloInstances
        self.tolerances = tolerances
        self.seed = seed
        self.fitTarget = fitTarget
        self.command = command
        self.date = date
    }
}

/// Turns a cell netlist into a `LookupTable` by `.dc` sweeps of its inputs.
///
/// The sweep is one `.dc` analysis over the grid (x outer, w inner for 2-D cells), so every point
/// starts Newton from the previous point's solution. Monte Carlo instances are independent
/// perturbed copies of the deck, simulated in parallel with `DispatchQueue.concurrentPerform`.
/// Cells come from `netlists/NAME.cir` or from a `Cells` generator (`CellSpec.load(cell:directory:)`).
public struct Characterizer: Sendable {
    /// The Kelvin version recorded in every table's provenance.
    public static let kelvinVersion = "0.1.0-dev"

    /// The spec, each input resolved as a source or a `.param` (`SweepAxis.parameter`).
    public let spec: CellSpec
    /// The parsed deck with its analyses replaced by the characterisation sweep (of the sources
    /// only, when an input is a `.param`: the deck at the parameters' values as written).
    public let deck: Deck
    /// With `.param` inputs: the deck read at each combination of their grid values (row-major
    /// over those inputs in order), its analyses the sweep of the source inputs; empty otherwise.
    let parameterDecks: [Deck]

    /// Parses the netlist (throws `NetlistError`) and sets up the sweep. Each input names a V or I
    /// source of the deck or, failing that, a top-level `.param`; anything else is refused, naming
    /// the netlist.
    public init(spec: CellSpec) throws {
        var spec = spec
        let directory = (spec.netlistPath as NSString).deletingLastPathComponent
        let folder = directory.isEmpty ? "." : directory
        var deck = try NetlistParser.parse(text: spec.netlistText, fileName: spec.netlistPath, directory: folder)
        for k in spec.inputs.indices {
            let name = spec.inputs[k].source
            let isSource = deck.elements.contains { element in
                guard element.name == name else { return false }
                switch element.kind {
                case .voltageSource, .currentSource: return true
                default: return false
                }
            }
            guard isSource || deck.parameters[name] != nil else {
                throw CharacterizationError.badSpec(
                    origin: spec.netlistPath, reason: "input '\(name)' is neither a V or I source nor a top-level .param of the netlist")
            }
            spec.inputs[k].parameter = !isSource
        }
        self.spec = spec
        let sources = spec.inputs.filter { !$0.parameter }
        let sweeps = sources.reversed().map { SweepSpec(source: $0.source, start: $0.lower, stop: $0.upper, step: $0.step) }
        // Log-spaced grids are not `.dc` steps: those points are solved one operating point each.
        let location = SourceLocation(file: spec.netlistPath, line: 1, column: 1)
        let pointwise = sources.isEmpty || sources.contains(where: \.logarithmic)
        let analysis = Analysis(kind: pointwise ? .operatingPoint : .dcSweep(sweeps), location: location)
        deck.analyses = [analysis]
        self.deck = deck
        // One deck per combination of the `.param` inputs' values.
        var combinations: [[String: Double]] = [[:]]
        for axis in spec.inputs where axis.parameter {
            combinations = combinations.flatMap { prefix in axis.grid.map { prefix.merging([axis.source: $0]) { $1 } } }
        }
        parameterDecks = try spec.inputs.contains(where: \.parameter)
            ? combinations.map { overrides in
                var copy = try NetlistParser.parse(
                    text: spec.netlistText, fileName: spec.netlistPath, directory: folder, parameterOverrides: overrides)
                copy.analyses = [analysis]
                return copy
            } : []
    }

    /// The number of grid points `Π n_k`.
    public var pointCount: Int { spec.inputs.reduce(1) { $0 * $1.count } }

    /// The grid with `.param` inputs, row-major (x outer): each combination of the parameters'
    /// values is its own deck (`parameterDecks`, passed through `perturb` for a Monte Carlo
    /// instance), whose source inputs are swept by one `.dc` (or point by point on a log grid);
    /// the combinations run in parallel when `parallel`.
    func sweepOverParameters(parallel: Bool, perturb: (@Sendable (Deck) -> Deck)? = nil) throws -> [Double] {
        let counts = spec.inputs.map(\.count)
        let sourceAxes = spec.inputs.indices.filter { !spec.inputs[$0].parameter }
        let parameterAxes = spec.inputs.indices.filter { spec.inputs[$0].parameter }
        let perDeck = sourceAxes.reduce(1) { $0 * counts[$1] }
        let decks = parameterDecks
        let solve: @Sendable (Int) throws -> [Double] = { c in
            let deck = perturb.map { $0(decks[c]) } ?? decks[c]
            guard sourceAxes.contains(where: { spec.inputs[$0].logarithmic }) else { return try sweep(deck, expected: perDeck) }
            // Source points one operating point each (x outer).
            let grids = sourceAxes.map { spec.inputs[$0].grid }
            let elements = try sourceAxes.map { a in
                guard let k = deck.elements.firstIndex(where: { $0.name == spec.inputs[a].source }) else {
                    throw CharacterizationError.badSpec(origin: spec.netlistPath, reason: "no source '\(spec.inputs[a].source)'")
                }
                return k
            }
            return try (0..<perDeck).map { s in
                var point = deck
                var rest = s
                for j in grids.indices.reversed() {
                    Self.setSource(&point, elements[j], to: grids[j][rest % grids[j].count])
                    rest /= grids[j].count
                }
                return try sweep(point, expected: 1)[0]
            }
        }
        var blocks: [[Double]]
        if parallel {
            let outcomes = Mutex<[Result<[Double], any Error>?]>(Array(repeating: nil, count: decks.count))
            DispatchQueue.concurrentPerform(iterations: decks.count) { c in
                let outcome = Result { try solve(c) }
                outcomes.withLock { $0[c] = outcome }
            }
            blocks = try outcomes.withLock { $0 }.map { outcome in
                guard let outcome else { throw CharacterizationError.simulationFailed(cell: spec.name, reason: "a parameter value was not simulated") }
                return try outcome.get()
            }
        } else {
            blocks = try decks.indices.map(solve)
        }
        var values = [Double](repeating: 0, count: pointCount)
        for p in 0..<pointCount {
            var index = [Int](repeating: 0, count: counts.count), rest = p
            for a in counts.indices.reversed() {
                index[a] = rest % counts[a]
                rest /= counts[a]
            }
            let c = parameterAxes.reduce(0) { $0 * counts[$1] + index[$1] }
            let s = sourceAxes.reduce(0) { $0 * counts[$1] + index[$1] }
            values[p] = blocks[c][s]
        }
        return values
    }

    /// Simulates `deck` and returns the output on the grid, row-major (x outer).
    func sweep(_ deck: Deck) throws -> [Double] {
        spec.inputs.contains(where: \.logarithmic) ? try sweepPointwise(deck, parallel: false) : try sweep(deck, expected: pointCount)
    }

    /// Every grid point as its own operating point (for log-spaced grids), optionally in parallel.
    func sweepPointwise(_ deck: Deck, parallel: Bool) throws -> [Double] {
        let grids = spec.inputs.map(\.grid)
        let indices: [Int] = try spec.inputs.map { axis in
            guard let k = deck.elements.firstIndex(where: { $0.name == axis.source }) else {
                throw CharacterizationError.badSpec(origin: spec.netlistPath, reason: "no source '\(axis.source)'")
            }
            return k
        }
        let inner = grids.count == 2 ? grids[1].count : 1
        let solve: @Sendable (Int) throws -> Double = { p in
            var point = deck
            let values = grids.count == 2 ? [grids[0][p / inner], grids[1][p % inner]] : [grids[0][p]]
            for (k, value) in zip(indices, values) { Self.setSource(&point, k, to: value) }
            return try sweep(point, expected: 1)[0]
        }
        guard parallel else { return try (0..<pointCount).map(solve) }
        let outcomes = Mutex<[Result<Double, any Error>?]>(Array(repeating: nil, count: pointCount))
        DispatchQueue.concurrentPerform(iterations: pointCount) { p in
            let outcome = Result { try solve(p) }
            outcomes.withLock { $0[p] = outcome }
        }
        return try outcomes.withLock { $0 }.map { outcome in
            guard let outcome else { throw CharacterizationError.simulationFailed(cell: spec.name, reason: "a point was not simulated") }
            return try outcome.get()
        }
    }

    /// Sets the DC value of the V or I source at `index`.
    static func setSource(_ deck: inout Deck, _ index: Int, to value: Double) {
        switch deck.elements[index].kind {
        case .voltageSource(var source):
            source.dc = value
            deck.elements[index].kind = .voltageSource(source)
        case .currentSource(var source):
            source.dc = value
            deck.elements[index].kind = .currentSource(source)
        default: break
        }
    }

    /// Simulates `deck` (one `.dc` analysis) and returns the output column, checking its length.
    func sweep(_ deck: Deck, expected: Int) throws -> [Double] {
        let results = try Simulation(deck: deck).run()
        guard let result = results.first else {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "no result")
        }
        guard let column = result.variables.firstIndex(of: spec.output) else {
            throw CharacterizationError.unknownOutput(name: spec.output, available: Array(result.variables.dropFirst()))
        }
        guard result.rows.count == expected else {
            throw CharacterizationError.simulationFailed(
                cell: spec.name, reason: "sweep gave \(result.rows.count) points, expected \(expected)")
        }
        return result.rows.map { $0[column] }
    }

    /// The nominal output on the grid. A 2-D cell runs one nested `.dc` per block of x rows (each
    /// point continuing from the previous one), the blocks in parallel on all cores.
    public func nominal() throws -> [Double] {
        do {
            if !parameterDecks.isEmpty { return try sweepOverParameters(parallel: true) }
            if spec.inputs.contains(where: \.logarithmic) { return try sweepPointwise(deck, parallel: true) }
            return spec.inputs.count == 2 ? try sweepRowsInParallel(deck) : try sweep(deck)
        } catch let error as CharacterizationError {
            throw error
        } catch let error as SimulatorError {
            throw CharacterizationError.simulationFailed(cell: spec.name, reason: "\(error)")
        }
    }

    /// The 2-D grid as independent nested sweeps, one per core: the x rows are split into
    /// `min(rows, cores)` contiguous blocks, and each block is one nested `.dc` (w inner, x outer over
    /// the block's rows), so every point — the first of each row included — starts Newton from the
    /// previous point's solution and only one cold operating point is solved per block (not per
    /// row: for the BJT multiplier a cold start costs as much as a row). A one-row block sets the
    /// x source's DC value and steps w. Blocks run concurrently; values are stored in grid order.
    func sweepRowsInParallel(_ deck: Deck) throws -> [Double] {
        let xAxis = spec.inputs[0], wAxis = spec.inputs[1]
        let xs = xAxis.grid
        guard let index = deck.elements.firstIndex(where: { $0.name == xAxis.source }) else {
            throw CharacterizationError.badSpec(origin: spec.netlistPath, reason: "no source '\(xAxis.source)'")
        }
        let inner = SweepSpec(source: wAxis.source, start: wAxis.lower, stop: wAxis.upper, step: wAxis.step)
        let blockCount = max(1, min(xs.count, ProcessInfo.processInfo.activeProcessorCount))
        // Block b holds rows [bounds[b], bounds[b + 1]).
        let bounds = (0...blockCount).map { $0 * xs.count / blockCount }
        let location = deck.analyses.first?.location ?? SourceLocation(file: spec.netlistPath, line: 1, column: 1)
        let blocks = Mutex<[Result<[Double], any Error>?]>(Array(repeating: nil, count: blockCount))
        DispatchQueue.concurrentPerform(iterations: blockCount) { b in
            let first = bounds[b], rows = bounds[b + 1] - bounds[b]
            var block = deck
            Self.setSource(&block, index, to: xs[first])
            var sweeps = [inner]
            if rows > 1 {
                // x from the block's first to its last grid value, in the grid's step.
                sweeps.append(SweepSpec(source: xAxis.source, start: xs[first], stop: xs[first + rows - 1], step: xAxis.step))
            }
            block.analyses = [Analysis(kind: .dcSweep(sweeps), location: location)]
            let outcome = Result { try sweep(block, expected: rows * wAxis.count) }
            blocks.withLock { $0[b] = outcome }
        }
        var values: [Double] = []
        values.reserveCapacity(pointCount)
        for outcome in blocks.withLock({ $0 }) {
            guard let outcome else {
                throw CharacterizationError.simulationFailed(cell: spec.name, reason: "a block of rows was not simulated")
            }
            values += try outcome.get()
        }
        return values
    }

    /// Runs `instances` perturbed copies and reduces them to statistics against `nominal`.
    ///
    /// `progress(done, total)` is called from worker threads after each instance of this rank.
    /// Returns the statistics and the tolerance keys that matched no element.
    ///
    /// Under MPI (`communicator` of several ranks) rank r runs only its contiguous share of the
    /// instances (`Communicator.share(of:)`; instance k draws from `(seed, k)` wherever it runs),
    /// and the curves are gathered on every rank by one sum: the statistics are the one-process
    /// run's, in the same instance order.
    public func monteCarlo(
        instances: Int, tolerances: Tolerances, seed: UInt64, nominal: [Double], fitRange: ClosedRange<Double>? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil, communicator: Communicator = .single
    ) throws -> (statistics: MonteCarloStatistics, unusedKeys: [String]) {
        for (key, sigma) in tolerances.sigma where !(sigma >= 0 && sigma < 1) {
            throw CharacterizationError.badTolerance(
                text: "\(key.uppercased())=\(sigma * 100)%", reason: "sigma must be a number in [0, 100%)")
        }
        var probe = SplitMix64(seed: seed)
        let unused = tolerances.perturb(deck, using: &probe).unused
        let mine = communicator.share(of: instances)
        let outcomes = Mutex<[Result<[Double], any Error>?]>(Array(repeating: nil, count: mine.count))
        let done = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: mine.count) { j in
            var rng = SplitMix64(seed: seed, instance: mine.lowerBound + j)
            let outcome: Result<[Double], any Error>
            if parameterDecks.isEmpty {
                let perturbed = tolerances.perturb(deck, using: &rng).deck
                outcome = Result { try sweep(perturbed) }
            } else {
                // Every parameter value's deck draws the same factors: one instance, one set of devices.
                let start = rng
                outcome = Result {
                    try sweepOverParameters(parallel: false) { deck in
                        var draws = start
                        return tolerances.perturb(deck, using: &draws).deck
                    }
                }
            }
            outcomes.withLock { $0[j] = outcome }
            let count = done.add(1, ordering: .relaxed).newValue
            progress?(count, mine.count)
        }
        let all = outcomes.withLock { $0 }
        var firstFailure: String?
        for case .failure(let error)? in all { firstFailure = firstFailure ?? "\(error)"; break }
        let curves = gather(all, instances: instances, mine: mine, communicator: communicator)
        guard !curves.isEmpty else {
            throw CharacterizationError.allInstancesFailed(count: instances, firstReason: firstFailure ?? "none run")
        }
        // Points whose x lies in the fit range (x is the outer index of the row-major grid).
        let x = spec.inputs[0].grid
        let inner = pointCount / x.count
        let mask = (0..<pointCount).map { p in fitRange.map { $0.contains(x[p / inner]) } ?? true }
        guard mask.contains(true) else {
            throw CharacterizationError.badSpec(origin: spec.netlistPath, reason: "the gain fit range holds no grid point")
        }
        let stats = Self.statistics(
            curves: curves, nominal: nominal, failed: instances - curves.count, seed: seed, tolerances: tolerances,
            fitMask: mask, fitRange: fitRange)
        return (stats, unused.sorted())
    }

    /// Every rank's successful curves in instance order: each rank writes its own rows (and a
    /// 1 in the row's flag) into a zeroed `[instances × (points + 1)]` array, and one sum over
    /// the ranks fills it in.
    private func gather(_ outcomes: [Result<[Double], any Error>?], instances: Int, mine: Range<Int>,
                        communicator: Communicator) -> [[Double]] {
        guard communicator.size > 1 else {
            return outcomes.compactMap { if case .success(let y)? = $0 { y } else { nil } }
        }
        let width = pointCount + 1
        var table = [Double](repeating: 0, count: instances * width)
        for (j, outcome) in outcomes.enumerated() {
            guard case .success(let y)? = outcome, y.count == pointCount else { continue }
            let row = (mine.lowerBound + j) * width
            table[row] = 1
            for p in 0..<pointCount { table[row + 1 + p] = y[p] }
        }
        communicator.sum(&table, what: "the Monte Carlo curves")
        return (0..<instances).compactMap { k in
            table[k * width] == 1 ? Array(table[(k * width + 1)..<((k + 1) * width)]) : nil
        }
    }

    /// Per-point mean and sample standard deviation; per-instance least-squares gain, offset, residual.
    ///
    /// `a_k = Σ_p (y0_p − ȳ0)(yk_p − ȳk) / Σ_p (y0_p − ȳ0)²`, `b_k = ȳk − a_k·ȳ0`,
    /// residual `sqrt((1/P) Σ_p (yk_p − a_k·y0_p − b_k)²)`; a constant nominal gives `a_k = 1`.
    /// Only points with `fitMask[p]` enter the gain/offset fit (all points when nil).
    static func statistics(
        curves: [[Double]], nominal: [Double], failed: Int, seed: UInt64, tolerances: Tolerances,
        fitMask: [Bool]? = nil, fitRange: ClosedRange<Double>? = nil
    ) -> MonteCarloStatistics {
        let n = curves.count, points = nominal.count
        var mean = [Double](repeating: 0, count: points)
        var std = [Double](repeating: 0, count: points)
        for p in 0..<points {
            var s = 0.0
            for c in curves { s += c[p] }
            let m = s / Double(n)
            var ss = 0.0
            for c in curves { ss += (c[p] - m) * (c[p] - m) }
            mean[p] = m
            std[p] = n > 1 ? (ss / Double(n - 1)).squareRoot() : 0
        }
        let used = (0..<points).filter { fitMask?[$0] ?? true }
        let count = Double(used.count)
        let nominalMean = used.reduce(0) { $0 + nominal[$1] } / count
        let nominalVariance = used.reduce(0) { $0 + (nominal[$1] - nominalMean) * (nominal[$1] - nominalMean) }
        var gains: [Double] = [], offsets: [Double] = [], residuals: [Double] = []
        for c in curves {
            let cm = used.reduce(0) { $0 + c[$1] } / count
            var covariance = 0.0
            for p in used { covariance += (nominal[p] - nominalMean) * (c[p] - cm) }
            let a = nominalVariance > 0 ? covariance / nominalVariance : 1
            let b = cm - a * nominalMean
            var r = 0.0
            for p in used {
                let e = c[p] - a * nominal[p] - b
                r += e * e
            }
            gains.append(a)
            offsets.append(b)
            residuals.append((r / count).squareRoot())
        }
        return MonteCarloStatistics(
            instances: n, failedInstances: failed, seed: seed, tolerances: tolerances.sigma, mean: mean,
            standardDeviation: std, gain: gains, offset: offsets, residual: residuals, fitRange: fitRange)
    }

    /// The full table: nominal sweep, optional Monte Carlo, separable fit for 2-D, provenance.
    public func characterize(
        options: CharacterizationOptions = CharacterizationOptions(), progress: (@Sendable (Int, Int) -> Void)? = nil,
        notes: ((String) -> Void)? = nil, communicator: Communicator = .single
    ) throws -> LookupTable {
        let values = try nominal()
        var stats: MonteCarloStatistics?
        if options.monteCarloInstances > 0 {
            let mc = try monteCarlo(
                instances: options.monteCarloInstances, tolerances: options.tolerances, seed: options.seed, nominal: values,
                fitRange: options.gainFitRange ?? spec.gainFitRange,
                progress: progress, communicator: communicator)
            stats = mc.statistics
            for key in mc.unusedKeys { notes?("tolerance \(key.uppercased()) matches no element of \(spec.name)") }
            if mc.statistics.failedInstances > 0 {
                notes?("\(mc.statistics.failedInstances) Monte Carlo instance(s) did not converge and were dropped")
            }
            let used = options.tolerances.sigma.filter { $0.value > 0 && !mc.unusedKeys.contains($0.key) }
            if options.toleranceBreakdown, used.count > 1 {
                // One tolerance at a time, same seed and instances: what each causes alone.
                for (key, sigma) in used.sorted(by: { $0.key < $1.key }) {
                    notes?("monte carlo breakdown: \(key.uppercased()) alone")
                    let alone = try monteCarlo(
                        instances: options.monteCarloInstances, tolerances: Tolerances([key: sigma]), seed: options.seed,
                        nominal: values, fitRange: options.gainFitRange ?? spec.gainFitRange, progress: progress,
                        communicator: communicator)
                    stats?.contributions[key] = ToleranceContribution(alone.statistics)
                }
            }
        }
        let axes = spec.inputs.map {
            Axis(name: $0.source, unit: $0.parameter ? "" : $0.source.hasPrefix("i") ? "A" : "V", values: $0.grid)
        }
        var fit: SeparableFit?
        if axes.count == 2 {
            fit = try SeparableFit.fit(x: axes[0].values, w: axes[1].values, values: values, target: options.fitTarget)
        }
        var dynamics = try spec.dynamics.map { try measureDynamics($0, fullScale: (values.max() ?? 0) - (values.min() ?? 0)) }
        if let hold = spec.hold {
            var d = dynamics ?? Dynamics()
            d.holdTimeConstant = try measureHold(hold)
            d.holdWindow = hold.window
            dynamics = d
        }
        if var noise = spec.noise {
            var d = dynamics ?? Dynamics()
            noise.bandwidth = try noise.resolved(settlingTime: d.settlingTime, origin: spec.netlistPath)
            d.readNoise = try measureReadNoise(noise)
            d.noiseBandwidth = noise.bandwidth
            dynamics = d
        }
        return try LookupTable(
            provenance: provenance(options: options), axes: axes,
            output: Quantity(name: spec.output, unit: spec.output.hasPrefix("i(") ? "A" : "V"), values: values,
            monteCarlo: stats, dynamics: dynamics, separableFit: fit)
    }

    /// Cell name, hashes of the netlist and its includes, model parameters, temperature, grid, version, date.
    func provenance(options: CharacterizationOptions) -> Provenance {
        var models: [String: [String: Double]] = [:]
        for element in deck.elements {
            switch element.kind {
            case .diode(let m, _), .bjt(let m, _), .mosfet(let m, _), .voltageSwitch(let m, _), .currentSwitch(_, let m, _):
                models[m.name] = m.parameters
            default: break
            }
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return Provenance(
            cell: spec.name, netlistPath: spec.netlistPath, netlistSHA256: SHA256.hex(text: spec.netlistText),
            includedSHA256: includedHashes(), modelParameters: models, temperature: deck.options.temp,
            grid: spec.inputs.map(\.text).joined(separator: " "), ideal: spec.ideal, kelvinVersion: Self.kelvinVersion,
            date: formatter.string(from: options.date), command: options.command)
    }

    /// SHA-256 of each `.include`/`.inc`/`.lib` file named in the netlist (one level, as written).
    public func includedHashes() -> [String: String] {
        let directory = (spec.netlistPath as NSString).deletingLastPathComponent
        var hashes: [String: String] = [:]
        for line in spec.netlistText.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 2, [".include", ".inc", ".lib"].contains(words[0].lowercased()) else { continue }
            let name = words[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            let path = name.hasPrefix("/") ? name : (directory as NSString).appendingPathComponent(name)
            if let data = FileManager.default.contents(atPath: path) { hashes[name] = SHA256.hex(Array(data)) }
        }
        return hashes
    }
}
