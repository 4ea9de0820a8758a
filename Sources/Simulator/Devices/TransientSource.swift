/// An independent source with a transient waveform: a transient analysis hands it the waveform's
/// defaults (`TSTEP`, `TSTOP`) before it starts and asks it for its corners (breakpoints).
protocol TransientSource: Device {
    /// Resolves the waveform for a transient with step `step` and stop time `stop` (s).
    mutating func prepareTransient(step: Double, stop: Double)
    /// Times in `(0, stop]` (s) where the waveform has a corner.
    func breakpoints(until stop: Double) -> [Double]
}
