/// A characterised cell: its output sampled on a 1-D or 2-D input grid, with where it came from.
///
/// Grid layout: `values` is row-major over the axes, the last axis fastest. For a 1-D table
/// `values[i] = f(x_i)`; for a 2-D table `values[i·n_w + j] = f(x_i, w_j)`. Axes are strictly
/// increasing. Optional parts (Monte Carlo statistics, dynamics, separable fit) are absent when not
/// measured; readers must treat them as optional. The file format is described in Docs/lut-format.md.
public struct LookupTable: Sendable, Equatable {
    /// The current on-disk format version (see `LookupTable+File.swift`).
    public static let formatVersion: UInt32 = 2
    /// Versions the reader accepts: 1 (dynamics energy over the run window, see `DynamicsV1`) and 2.
    public static let readableVersions: ClosedRange<UInt32> = 1...2

    public var provenance: Provenance
    /// One axis (1-D) or two (2-D: x, then w).
    public var axes: [Axis]
    /// What the table holds, e.g. `v(out)` in `V`.
    public var output: Quantity
    /// The nominal output on the grid, row-major, last axis fastest.
    public var values: [Double]
    public var monteCarlo: MonteCarloStatistics?
    public var dynamics: Dynamics?
    /// The low-rank separable fit of a 2-D table.
    public var separableFit: SeparableFit?

    /// Checks shapes: 1 or 2 axes, each strictly increasing and finite, `values` (and Monte Carlo
    /// per-point arrays) of length `Π n_k`.
    public init(
        provenance: Provenance, axes: [Axis], output: Quantity, values: [Double],
        monteCarlo: MonteCarloStatistics? = nil, dynamics: Dynamics? = nil, separableFit: SeparableFit? = nil
    ) throws {
        guard axes.count == 1 || axes.count == 2 else {
            throw TransferCurvesError.invalidTable(reason: "a table has 1 or 2 axes, not \(axes.count)")
        }
        for axis in axes {
            guard axis.values.count >= 2 else {
                throw TransferCurvesError.invalidTable(reason: "axis '\(axis.name)' needs at least 2 points")
            }
            guard axis.values.allSatisfy(\.isFinite), zip(axis.values, axis.values.dropFirst()).allSatisfy({ $0 < $1 })
            else {
                throw TransferCurvesError.invalidTable(reason: "axis '\(axis.name)' is not strictly increasing and finite")
            }
        }
        let count = axes.reduce(1) { $0 * $1.values.count }
        guard values.count == count else {
            throw TransferCurvesError.invalidTable(reason: "\(values.count) values for a grid of \(count) points")
        }
        if let mc = monteCarlo {
            guard mc.mean.count == count, mc.standardDeviation.count == count else {
                throw TransferCurvesError.invalidTable(reason: "Monte Carlo mean/std do not match the grid of \(count) points")
            }
            let n = mc.gain.count
            guard mc.offset.count == n, mc.residual.count == n else {
                throw TransferCurvesError.invalidTable(reason: "Monte Carlo per-instance arrays differ in length")
            }
            for (key, c) in mc.contributions {
                guard mc.tolerances[key] != nil,
                    [c.gainSpread, c.offsetSpread, c.maxStandardDeviation].allSatisfy({ $0.isFinite && $0 >= 0 })
                else {
                    throw TransferCurvesError.invalidTable(
                        reason: "Monte Carlo breakdown for '\(key)' names no tolerance or is not finite and ≥ 0")
                }
            }
        }
        self.provenance = provenance
        self.axes = axes
        self.output = output
        self.values = values
        self.monteCarlo = monteCarlo
        self.dynamics = dynamics
        self.separableFit = separableFit
    }

    /// The number of inputs (1 or 2).
    public var dimension: Int { axes.count }

    /// The monotone cubic interpolant of a 1-D table (nil for 2-D).
    public var curve: MonotoneCubic? {
        guard axes.count == 1 else { return nil }
        return try? MonotoneCubic(x: axes[0].values, y: values)
    }

    /// The bilinear interpolant of a 2-D table (nil for 1-D).
    public var surface: BilinearSurface? {
        guard axes.count == 2 else { return nil }
        return try? BilinearSurface(x: axes[0].values, w: axes[1].values, values: values)
    }
}

/// One input axis: the swept source, its unit and the grid points.
public struct Axis: Sendable, Equatable, Codable {
    /// The swept source (lower case, e.g. `v1`).
    public var name: String
    /// `V` for a voltage source, `A` for a current source.
    public var unit: String
    /// Strictly increasing grid points.
    public var values: [Double]

    public init(name: String, unit: String, values: [Double]) {
        self.name = name
        self.unit = unit
        self.values = values
    }
}

/// A named physical quantity (the table's output).
public struct Quantity: Sendable, Equatable, Codable {
    /// e.g. `v(out)` or `i(vdd)`.
    public var name: String
    public var unit: String

    public init(name: String, unit: String) {
        self.name = name
        self.unit = unit
    }
}

/// Where a table came from, so it can always be traced back to the circuit that produced it.
public struct Provenance: Sendable, Equatable, Codable {
    /// The cell's name (the netlist's base name for `netlists/NAME.cir`).
    public var cell: String
    /// The netlist path as given when characterising.
    public var netlistPath: String
    /// SHA-256 (hex) of the netlist file's bytes.
    public var netlistSHA256: String
    /// SHA-256 (hex) of each file the netlist includes (`.include`/`.lib`), by the path as written.
    public var includedSHA256: [String: String]
    /// The evaluated `.model` parameters in use, model name → parameter → value (nominal values).
    public var modelParameters: [String: [String: Double]]
    /// Circuit temperature in °C.
    public var temperature: Double
    /// The sweep, as `source=lo:hi:n` per axis (the grid itself is in the axes).
    public var grid: String
    /// The ideal function the cell approximates (the header's `* ideal:` line), in the netlist's
    /// expression language with `x` (and `w`) for the inputs; nil when not declared.
    public var ideal: String?
    /// The Kelvin version that wrote the table.
    public var kelvinVersion: String
    /// When the table was produced, ISO 8601 UTC.
    public var date: String
    /// The command that produced the table, for regeneration.
    public var command: String?

    public init(
        cell: String, netlistPath: String, netlistSHA256: String, includedSHA256: [String: String] = [:],
        modelParameters: [String: [String: Double]] = [:], temperature: Double, grid: String, ideal: String? = nil,
        kelvinVersion: String, date: String, command: String? = nil
    ) {
        self.cell = cell
        self.netlistPath = netlistPath
        self.netlistSHA256 = netlistSHA256
        self.includedSHA256 = includedSHA256
        self.modelParameters = modelParameters
        self.temperature = temperature
        self.grid = grid
        self.ideal = ideal
        self.kelvinVersion = kelvinVersion
        self.date = date
        self.command = command
    }
}

/// Monte Carlo mismatch statistics over `instances` perturbed copies of the cell.
///
/// Per grid point `p`: mean `μ_p = (1/N) Σ_k y_k(p)` and sample standard deviation
/// `σ_p = sqrt(Σ_k (y_k(p) − μ_p)² / (N − 1))`. Per instance `k`: the least-squares gain `a_k` and
/// offset `b_k` against the nominal curve `y_0`, minimising `Σ_p (y_k(p) − a_k·y_0(p) − b_k)²`, i.e.
/// `a_k = cov(y_0, y_k)/var(y_0)`, `b_k = ȳ_k − a_k·ȳ_0`, and the RMS residual of that fit. A training
/// backend draws an instance `k` and applies `y ≈ a_k·f(x) + b_k` as that cell's fixed-pattern error.
public struct MonteCarloStatistics: Sendable, Equatable {
    /// Number of instances that converged (the length of `gain`).
    public var instances: Int
    /// Instances dropped because the simulator did not converge.
    public var failedInstances: Int
    /// Seed of the random generator (instance `k` uses a generator derived from `seed` and `k`).
    public var seed: UInt64
    /// Relative Gaussian sigma per parameter class, e.g. `["r": 0.01, "is": 0.05]`.
    public var tolerances: [String: Double]
    public var mean: [Double]
    public var standardDeviation: [Double]
    public var gain: [Double]
    public var offset: [Double]
    /// RMS of `y_k − (a_k·y_0 + b_k)` over the fitted points, per instance.
    public var residual: [Double]
    /// The x range `[lower, upper]` of the grid points used for the gain/offset fit (e.g. the linear
    /// range of a saturating amplifier); nil: the whole grid.
    public var fitRange: ClosedRange<Double>?
    /// The spread each tolerance causes on its own, by key (`r`, `is`): the Monte Carlo run again
    /// with only that tolerance, same seed and instance count. Empty when there was one tolerance
    /// (it is the whole spread) or the breakdown was not run. To first order in σ independent
    /// mismatches add in variance, `var(a) ≈ Σ_k var(a | k alone)`, so `share(of:)` splits the
    /// gain variance between them.
    public var contributions: [String: ToleranceContribution] = [:]

    public init(
        instances: Int, failedInstances: Int, seed: UInt64, tolerances: [String: Double], mean: [Double],
        standardDeviation: [Double], gain: [Double], offset: [Double], residual: [Double],
        fitRange: ClosedRange<Double>? = nil
    ) {
        self.fitRange = fitRange
        self.instances = instances
        self.failedInstances = failedInstances
        self.seed = seed
        self.tolerances = tolerances
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.gain = gain
        self.offset = offset
        self.residual = residual
    }

    /// The relative gain spread `σ_a/|ā|` of the per-instance gains (0 for a zero mean gain).
    public static func relativeSpread(_ gains: [Double]) -> Double {
        let n = Double(gains.count)
        guard gains.count > 1 else { return 0 }
        let mean = gains.reduce(0, +) / n
        let sd = (gains.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        return mean != 0 ? sd / abs(mean) : 0
    }

    /// The fraction of the summed gain variance `Σ_k (σ_a/ā)_k²` that tolerance `key` causes
    /// alone (nil without a breakdown or for an unknown key; 0 when no tolerance moves the gain).
    public func share(of key: String) -> Double? {
        guard let own = contributions[key] else { return nil }
        let total = contributions.values.reduce(0) { $0 + $1.gainSpread * $1.gainSpread }
        return total > 0 ? own.gainSpread * own.gainSpread / total : 0
    }
}

/// What one tolerance does alone in a Monte Carlo breakdown (`MonteCarloStatistics.contributions`).
public struct ToleranceContribution: Sendable, Equatable, Codable {
    /// The relative spread of the per-instance gain, `σ_a/|ā|`.
    public var gainSpread: Double
    /// The standard deviation of the per-instance offset `b_k` (output unit).
    public var offsetSpread: Double
    /// The largest per-point standard deviation over the grid (output unit).
    public var maxStandardDeviation: Double

    public init(gainSpread: Double, offsetSpread: Double, maxStandardDeviation: Double) {
        self.gainSpread = gainSpread
        self.offsetSpread = offsetSpread
        self.maxStandardDeviation = maxStandardDeviation
    }

    /// The contribution summarised from the statistics of a run with that tolerance alone.
    public init(_ alone: MonteCarloStatistics) {
        let n = Double(alone.offset.count)
        let mean = alone.offset.reduce(0, +) / max(n, 1)
        let offsetSpread = alone.offset.count > 1
            ? (alone.offset.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : 0
        self.init(gainSpread: MonteCarloStatistics.relativeSpread(alone.gain), offsetSpread: offsetSpread,
                  maxStandardDeviation: alone.standardDeviation.max() ?? 0)
    }
}

/// Speed and cost of one operation, from transient runs (absent until measured).
///
/// Energy per operation (format v2). The first input steps at `t_d`; one operation lasts
/// `T_op`: the stated operation time (`optime=` in the cell header) or else the measured
/// settling time `t_s`. With `P(t) = Σ_s −(V_s+(t) − V_s−(t))·I_s(t)` the power the supplies
/// deliver (W) and `P_q = (1/t_d) ∫_0^{t_d} P dt` the quiescent power before the step:
///
///     E_static  = P_q · T_op                                  (J)
///     E_dynamic = ∫_{t_d}^{t_d+T_op} (P(t) − P_q) dt           (J)
///     E_op      = E_static + E_dynamic = ∫_{t_d}^{t_d+T_op} P(t) dt
///
/// so neither depends on how long the transient run (`tstop`) is. Version-1 files integrated
/// `P` from `t_d` to `tstop` instead; their number is kept as `legacyWindowEnergy`, never as
/// `energyPerOperation`.
///
/// Read noise: the output noise of the cell at its operating point, integrated over a bandwidth
/// `[f_1, f_2]` (Hz) by Kelvin's `.noise`, `σ = √(∫_{f_1}^{f_2} S_out(f) df)` (V rms, or A rms for
/// a current output): the standard deviation of one read of the output.
///
/// Hold droop (sample-and-hold cells): the held output decays as `y(t) = y(t_1)·exp(−(t − t_1)/τ)`
/// towards 0 V; over the hold window `[t_1, t_2]` of the netlist's own transient schedule
/// `τ = (t_2 − t_1) / ln(y(t_1)/y(t_2))` (s).
public struct Dynamics: Sendable, Equatable, Codable {
    /// Time for the output to stay within 0.1 % of its final value after a full-scale input step, s.
    public var settlingTime: Double?
    /// `T_op`, the duration of one operation the energies are integrated over, s.
    public var operationTime: Double?
    /// True when `T_op` was stated in the cell header (`optime=`), false when it is the settling time.
    public var operationTimeStated: Bool?
    /// `P_q`, the supplies' mean power over `[0, t_d]` before the step, W.
    public var quiescentPower: Double?
    /// `E_static = P_q·T_op`, J.
    public var staticEnergy: Double?
    /// `E_dynamic = ∫_{t_d}^{t_d+T_op} (P − P_q) dt`, J (may be negative if the step lowers the power).
    public var dynamicEnergy: Double?
    /// `E_op = E_static + E_dynamic`, the supply energy of one operation, J.
    public var energyPerOperation: Double?
    /// The input step used for the settling time (`from`, `to`, in the input's unit).
    public var stepFrom: Double?
    public var stepTo: Double?
    /// The supply sources integrated for the energy (lower-case names).
    public var supplies: [String]
    /// Droop time constant `τ` of a held output, s.
    public var holdTimeConstant: Double?
    /// The hold window `[t_1, t_2]` (s, in the netlist's transient) that `τ` was measured over.
    public var holdWindow: ClosedRange<Double>?
    /// Version-1 files only: `∫_{t_d}^{tstop} P dt`, which grows with the run length and is not an
    /// energy per operation. nil in every table written by format v2.
    public var legacyWindowEnergy: Double?
    /// Read-noise `σ`: output noise integrated over `noiseBandwidth` (V rms; A rms for a current output).
    public var readNoise: Double?
    /// The bandwidth `[f_1, f_2]` (Hz) `readNoise` was integrated over.
    public var noiseBandwidth: ClosedRange<Double>?

    public init(
        settlingTime: Double? = nil, operationTime: Double? = nil, operationTimeStated: Bool? = nil,
        quiescentPower: Double? = nil, staticEnergy: Double? = nil, dynamicEnergy: Double? = nil,
        energyPerOperation: Double? = nil, stepFrom: Double? = nil, stepTo: Double? = nil, supplies: [String] = [],
        holdTimeConstant: Double? = nil, holdWindow: ClosedRange<Double>? = nil, legacyWindowEnergy: Double? = nil,
        readNoise: Double? = nil, noiseBandwidth: ClosedRange<Double>? = nil
    ) {
        self.readNoise = readNoise
        self.noiseBandwidth = noiseBandwidth
        self.settlingTime = settlingTime
        self.operationTime = operationTime
        self.operationTimeStated = operationTimeStated
        self.quiescentPower = quiescentPower
        self.staticEnergy = staticEnergy
        self.dynamicEnergy = dynamicEnergy
        self.energyPerOperation = energyPerOperation
        self.stepFrom = stepFrom
        self.stepTo = stepTo
        self.supplies = supplies
        self.holdTimeConstant = holdTimeConstant
        self.holdWindow = holdWindow
        self.legacyWindowEnergy = legacyWindowEnergy
    }
}

/// The `dynamics` section as format version 1 wrote it (energy over `t_d … tstop`).
struct DynamicsV1: Codable {
    var settlingTime: Double?
    var energyPerOperation: Double?
    var stepFrom: Double?
    var stepTo: Double?
    var supplies: [String]

    /// The v2 value: the v1 energy moves to `legacyWindowEnergy` (it was not per operation).
    var upgraded: Dynamics {
        Dynamics(settlingTime: settlingTime, stepFrom: stepFrom, stepTo: stepTo, supplies: supplies, legacyWindowEnergy: energyPerOperation)
    }
}
