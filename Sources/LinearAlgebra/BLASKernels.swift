import CBLAS

/// OpenBLAS's kernel sets, switched at run time (process-wide).
///
/// Debian's OpenBLAS carries kernels for every x86-64 family and picks one set when it is loaded,
/// from the CPU. That pick is not always the fastest for a given workload: on a 2-core AMD EPYC
/// with AVX-512 it chose Cooperlake, and the Haswell (AVX2) set trained ResNet-18 (small stem,
/// width 64) faster in most rounds, while the 2048³ rate of the two was about equal. So the
/// choice is measured on the network's own steps (`kelvin train --blas-kernels`, see
/// BLASKernelChoice in the CLI); this type only lists and switches the sets.
public enum BLASKernels {
    /// The set OpenBLAS chose for this CPU when it was loaded (or `OPENBLAS_CORETYPE`).
    public static var openBLASChoice: String { String(cString: kelvin_openblas_default_core()) }

    /// The set in use now.
    public static var current: String { BLASThreading.coreName }

    /// The sets worth measuring on this CPU: OpenBLAS's own choice first, then each other x86-64
    /// family whose instructions the CPU runs (Haswell for AVX2, SkylakeX for AVX-512), at most
    /// one per instruction set width.
    public static var candidates: [String] {
        let own = openBLASChoice
        var names = [own]
        let avx512Family = ["SkylakeX", "Cooperlake", "SapphireRapids"]
        if !avx512Family.contains(where: { $0.caseInsensitiveCompare(own) == .orderedSame }),
           kelvin_cpu_runs_core("SkylakeX") != 0 {
            names.append("SkylakeX")
        }
        let avx2Family = ["Haswell", "Zen"]
        if !avx2Family.contains(where: { $0.caseInsensitiveCompare(own) == .orderedSame }),
           kelvin_cpu_runs_core("Haswell") != 0 {
            names.append("Haswell")
        }
        return names
    }

    /// Why a kernel set could not be used.
    public enum SwitchError: Error, CustomStringConvertible {
        case notSwitchable
        case unknown(String)
        case unsupported(String)

        public var description: String {
            switch self {
            case .notSwitchable:
                "this OpenBLAS cannot switch kernel sets (it was not built with DYNAMIC_ARCH); it uses \(BLASKernels.openBLASChoice)"
            case .unknown(let name): "OpenBLAS has no kernel set '\(name)'"
            case .unsupported(let name): "this CPU cannot run OpenBLAS's '\(name)' kernels (missing instructions)"
            }
        }
    }

    /// Routes every later OpenBLAS call through the kernel set `name` (an OpenBLAS core name,
    /// case-insensitive). Call only between BLAS calls (no product running on any thread).
    public static func use(_ name: String) throws {
        if name.caseInsensitiveCompare(openBLASChoice) != .orderedSame {
            let x86 = ["Haswell", "Zen", "SkylakeX", "Cooperlake"]
            if x86.contains(where: { $0.caseInsensitiveCompare(name) == .orderedSame }), kelvin_cpu_runs_core(name) == 0 {
                throw SwitchError.unsupported(name)
            }
        }
        switch kelvin_openblas_use_core(name) {
        case 0: return
        case -1: throw SwitchError.notSwitchable
        default: throw SwitchError.unknown(name)
        }
    }
}
