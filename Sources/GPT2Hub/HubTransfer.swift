import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request to the Hub, on a session of its own: a `HEAD` that does not follow
/// redirects (the hub's own headers name the ETag and commit; the CDN's do not), or a `GET`
/// that follows them and streams the body into a file handle, chunk by chunk, so a 6 GB file
/// never sits in memory.
final class HubTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let followRedirects: Bool
    private let sink: FileHandle?
    private let progress: (@Sendable (Int) -> Void)?
    private let lock = NSLock()
    private var response: HTTPURLResponse?
    private var received = 0
    private var writeError: Error?
    private var continuation: CheckedContinuation<(HTTPURLResponse, Int), Error>?
    /// Called with the response before any body byte is written: returns false to drop the body
    /// (an error status, or a 200 answering a range request, which the caller restarts).
    private let accept: @Sendable (HTTPURLResponse) -> Bool

    private init(followRedirects: Bool, sink: FileHandle?, progress: (@Sendable (Int) -> Void)?,
                 accept: @escaping @Sendable (HTTPURLResponse) -> Bool) {
        self.followRedirects = followRedirects
        self.sink = sink
        self.progress = progress
        self.accept = accept
    }

    /// Runs `request`; returns the final response and the body bytes written to `sink`.
    static func run(_ request: URLRequest, followRedirects: Bool, sink: FileHandle? = nil,
                    progress: (@Sendable (Int) -> Void)? = nil,
                    accept: @escaping @Sendable (HTTPURLResponse) -> Bool = { _ in true }) async throws -> (HTTPURLResponse, Int) {
        let transfer = HubTransfer(followRedirects: followRedirects, sink: sink, progress: progress, accept: accept)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            transfer.lock.withLock { transfer.continuation = continuation }
            session.dataTask(with: request).resume()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard followRedirects else { return completionHandler(nil) }
        // Credentials go to the hub only, not to the storage host a file redirects to.
        var next = request
        if request.url?.host != task.originalRequest?.url?.host { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        lock.withLock { self.response = http }
        if let http, sink != nil, !accept(http) { return completionHandler(.cancel) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let sink else { return }
        do {
            try sink.write(contentsOf: data)
            let total = lock.withLock { received += data.count; return received }
            progress?(total)
        } catch {
            lock.withLock { writeError = error }
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (continuation, response, received, writeError) = lock.withLock {
            defer { self.continuation = nil }
            return (self.continuation, self.response, self.received, self.writeError)
        }
        if let writeError { return continuation?.resume(throwing: writeError) ?? () }
        if let response, error == nil || (error as? URLError)?.code == .cancelled && !accept(response) {
            return continuation?.resume(returning: (response, received)) ?? ()
        }
        continuation?.resume(throwing: error ?? URLError(.badServerResponse))
    }
}
