import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a flag that a long command polls, so it can save its state and
/// exit cleanly. A second signal of either kind ends the process at once (default action).
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]

    init(signals: [Int32] = [SIGINT, SIGTERM]) {
        self.signals = signals
        for number in signals {
            signal(number, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.raise() }
            source.resume()
            sources.append(source)
        }
    }

    /// True once a signal arrived.
    var isRaised: Bool { lock.withLock { raised } }

    private func raise() {
        lock.withLock { raised = true }
        for number in signals { signal(number, SIG_DFL) }
    }
}
