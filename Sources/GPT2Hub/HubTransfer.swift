import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A Hub answer: the status and the headers (looked up without regard to case).
struct HubResponse: Sendable {
    var statusCode: Int
    var headers: HTTPHeaders

    func value(forHTTPHeaderField name: String) -> String? { headers.first(name: name) }
}

/// One HTTP request to the Hub over AsyncHTTPClient (NIO; TLS through BoringSSL, so a binary
/// linked with a static Swift standard library needs no libcurl): a `HEAD` that does not follow
/// redirects (the hub's own headers name the ETag and commit; the CDN's do not), or a `GET`
/// that follows them and streams the body into a file handle, chunk by chunk, so a 6 GB file
/// never sits in memory.
enum HubTransfer {
    /// One client for the process, never shut down; redirects are followed here, so that the
    /// credentials go to the hub only, never to the storage host a file redirects to.
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(30), read: .seconds(60))))

    static let maximumRedirects = 10

    /// Runs `method` on `url` with `headers`; returns the final response and the body bytes
    /// written to `sink`. `accept` sees the response before any body byte is written: false
    /// drops the body (an error status, or a 200 answering a range request, which the caller
    /// restarts).
    static func run(_ url: URL, method: HTTPMethod, headers: HTTPHeaders, followRedirects: Bool,
                    sink: FileHandle? = nil, progress: (@Sendable (Int) -> Void)? = nil,
                    accept: @Sendable (HubResponse) -> Bool = { _ in true }) async throws -> (HubResponse, Int) {
        var url = url
        var headers = headers
        let originalHost = url.host
        for _ in 0...maximumRedirects {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = method
            request.headers = headers
            let response = try await client.execute(request, timeout: .seconds(3600))
            let answer = HubResponse(statusCode: Int(response.status.code), headers: response.headers)
            if followRedirects, (300..<400).contains(answer.statusCode),
               let location = answer.value(forHTTPHeaderField: "Location"),
               let next = URL(string: location, relativeTo: url)?.absoluteURL {
                _ = try? await response.body.collect(upTo: 1 << 20)
                if next.host != originalHost { headers.remove(name: "Authorization") }
                url = next
                continue
            }
            guard let sink, accept(answer) else {
                _ = try? await response.body.collect(upTo: 1 << 20)
                return (answer, 0)
            }
            var received = 0
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { try sink.write(contentsOf: $0) }
                received += buffer.readableBytes
                progress?(received)
            }
            return (answer, received)
        }
        throw HubTransferError.tooManyRedirects(url.absoluteString)
    }

    /// An error as one phrase: its own description where it has one, else its name and fields
    /// (`connectTimeout`, `connection refused (errno: 111)`), never Foundation's generic text.
    static func describe(_ error: any Error) -> String {
        if let described = (error as? LocalizedError)?.errorDescription { return described }
        return String(describing: error)
    }
}

enum HubTransferError: Error, LocalizedError {
    case tooManyRedirects(String)

    var errorDescription: String? {
        switch self {
        case let .tooManyRedirects(url): "more than \(HubTransfer.maximumRedirects) redirects, the last to \(url)"
        }
    }
}
