import Dispatch
import Foundation
import GPT2Model

/// Ends the process on SIGINT or SIGTERM after removing the temporary files of the writes in
/// progress, so an interrupted `quantize` or `init` leaves no hidden `.NAME.PID.UUID.tmp` behind.
/// The signals are handled on a dispatch queue, outside signal context, while the command's own
/// thread keeps working until the process exits.
enum InterruptCleanup {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func install() {
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                AtomicFile.removeTemporaryFiles()
                // Ends the process the way the signal would have. `kill`, not `raise`: this
                // dispatch thread blocks signals, so one raised here would stay pending.
                signal(signalNumber, SIG_DFL)
                kill(getpid(), signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
