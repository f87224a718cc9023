import Foundation
import GPT2Hub
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A local server that answers like the Hub's `resolve` endpoint: LFS files answer with a 302 to
/// a storage URL (`/cdn/<sha256>`) and `X-Linked-Etag` / `X-Linked-Size`, other files with 200
/// and a git-style `ETag`; every answer carries `X-Repo-Commit`; 404 with `X-Error-Code:
/// EntryNotFound` for a missing file of a known repository; 401 for a private repository without
/// the bearer token. Storage honours `Range: bytes=N-`, and can cut a download off midway once.
/// `HTTPTypes.HTTPField`, which Hummingbird does not re-export by name.
typealias HTTPField = HTTPFields.Element

actor MockHub {
    struct File {
        let bytes: [UInt8]
        let lfs: Bool
        var sha256: String { MockHub.sha256(bytes) }
    }

    static let commit = "0123456789abcdef0123456789abcdef01234567"
    static let token = "hf_test_token"

    var repositories: [String: [String: File]] = [:]
    var privateRepositories: Set<String> = []
    /// Blobs whose next GET sends half the bytes and then drops the connection.
    var cutOnce: Set<String> = []
    /// Blobs served with their last byte changed (a corrupted download).
    var corrupt: Set<String> = []
    /// Every request: "METHOD path [range]".
    private(set) var log: [String] = []

    func add(_ repository: String, _ name: String, _ bytes: [UInt8], lfs: Bool) {
        repositories[repository, default: [:]][name] = File(bytes: bytes, lfs: lfs)
    }

    func makePrivate(_ repository: String) { privateRepositories.insert(repository) }
    func cut(_ sha: String) { cutOnce.insert(sha) }
    func corrupt(_ sha: String) { corrupt.insert(sha) }
    func clearLog() { log = [] }

    func record(_ line: String) { log.append(line) }

    func blob(_ sha: String) -> [UInt8]? {
        for files in repositories.values { for file in files.values where file.sha256 == sha { return file.bytes } }
        return nil
    }

    func takeCut(_ sha: String) -> Bool { cutOnce.remove(sha) != nil }

    static func sha256(_ bytes: [UInt8]) -> String {
        var hash = SHA256()
        hash.update(bytes)
        return hash.hexDigest()
    }

    /// Runs `body` with the base URL of a live server over this hub.
    func serve<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        let hub = self
        for method in [HTTPRequest.Method.head, .get] {
            router.on("**", method: method) { request, _ -> Response in
                try await hub.answer(request)
            }
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            try await body(URL(string: "http://127.0.0.1:\(client.port!)")!)
        }
    }

    func answer(_ request: Request) async throws -> Response {
        let path = request.uri.path
        let range = request.headers[.range]
        record("\(request.method) \(path)\(range.map { " " + $0 } ?? "")")
        if path.hasPrefix("/cdn/") {
            return storage(String(path.dropFirst(5)), range: range, head: request.method == .head)
        }
        // /{repo...}/resolve/{revision}/{file}
        guard let marker = path.range(of: "/resolve/") else { return Response(status: .notFound) }
        let repository = String(path[path.index(after: path.startIndex)..<marker.lowerBound])
        let rest = path[marker.upperBound...].split(separator: "/", maxSplits: 1).map(String.init)
        guard rest.count == 2, let files = repositories[repository] else {
            return Response(status: .notFound, headers: [HTTPField.Name("X-Error-Code")!: "RepoNotFound"])
        }
        if privateRepositories.contains(repository) && request.headers[.authorization] != "Bearer \(Self.token)" {
            return Response(status: .unauthorized)
        }
        guard let file = files[rest[1]] else {
            return Response(status: .notFound, headers: [HTTPField.Name("X-Error-Code")!: "EntryNotFound"])
        }
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Repo-Commit")!] = Self.commit
        if file.lfs {
            headers[HTTPField.Name("X-Linked-Etag")!] = "\"\(file.sha256)\""
            headers[HTTPField.Name("X-Linked-Size")!] = "\(file.bytes.count)"
            headers[.eTag] = "\"\(String(file.sha256.prefix(40)))\""
            // Absolute, as the Hub's storage redirects are.
            headers[.location] = "http://\(request.head.authority ?? "127.0.0.1")/cdn/\(file.sha256)"
            return Response(status: .found, headers: headers)
        }
        headers[.eTag] = "W/\"\(String(file.sha256.prefix(40)))\""
        headers[.contentLength] = "\(file.bytes.count)"
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }

    func storage(_ sha: String, range: String?, head: Bool) -> Response {
        guard var bytes = blob(sha) else { return Response(status: .notFound) }
        if corrupt.contains(sha) { bytes[bytes.count - 1] ^= 0xFF }
        var start = 0
        if let range, range.hasPrefix("bytes="), range.hasSuffix("-"), let first = Int(range.dropFirst(6).dropLast()) {
            guard first < bytes.count else { return Response(status: .rangeNotSatisfiable) }
            start = first
        }
        var headers = HTTPFields()
        headers[.contentLength] = "\(bytes.count - start)"
        if start > 0 { headers[.contentRange] = "bytes \(start)-\(bytes.count - 1)/\(bytes.count)" }
        let status: HTTPResponse.Status = start > 0 ? .partialContent : .ok
        if head { return Response(status: status, headers: headers) }
        let body = Array(bytes[start...])
        if takeCut(sha) {
            let half = Array(body.prefix(body.count / 2))
            return Response(status: status, headers: headers, body: ResponseBody(contentLength: body.count) { writer in
                try await writer.write(ByteBuffer(bytes: half))
                try await Task.sleep(for: .milliseconds(100))
                throw CancellationError()
            })
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
