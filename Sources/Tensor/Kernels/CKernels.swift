import CKernels

/// The C kernels in use: the best variant this CPU supports (baseline, AVX2 or AVX-512, chosen
/// once by `CKernels/dispatch.c`), or the one a test forced with `ck_set_variant`. Every variant
/// gives bit-identical results (same operations in the same order, no FMA contraction).
enum CK {
    @inline(__always) static var kernels: CKKernels { ck_active().pointee }
}
