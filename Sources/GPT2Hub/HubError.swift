import Foundation

/// Why a model could not be had from the Hub, in one sentence each.
public enum HubError: Error, LocalizedError, Equatable {
    case notCached(HubRepository, revision: String, cache: URL)
    case unauthorized(HubRepository?, hasToken: Bool)
    case repositoryNotFound(HubRepository, revision: String)
    case fileNotFound(HubRepository, revision: String, file: String)
    case noWeights(HubRepository, revision: String)
    case unreachable(String, reason: String)
    case badResponse(String, reason: String)
    case interrupted(String, kept: String, reason: String)
    case checksumMismatch(String, expected: String, actual: String)
    case cacheNotWritable(String)

    public var errorDescription: String? {
        switch self {
        case let .notCached(repository, revision, cache):
            return "HF_HUB_OFFLINE is set and \(repository) (revision \(revision)) is not in the cache at \(cache.path); download it once with network access (gpt2 download \(repository))."
        case let .unauthorized(repository, hasToken):
            let what = repository.map { "\($0)" } ?? "the file"
            return hasToken
                ? "The Hub refused HF_TOKEN for \(what); check that the token is valid and has access to it."
                : "\(what) needs a Hugging Face token: set HF_TOKEN to an access token with read permission."
        case let .repositoryNotFound(repository, revision):
            return "The Hub has no model repository \(repository) at revision \(revision) (check the name, or set HF_TOKEN for a private one)."
        case let .fileNotFound(repository, revision, file):
            return "\(repository) at revision \(revision) has no file \(file)."
        case let .noWeights(repository, revision):
            return "\(repository) at revision \(revision) has no model.safetensors or model.safetensors.index.json; gpt2 loads safetensors weights only."
        case let .unreachable(url, reason):
            return "Cannot reach \(url): \(reason) (set HF_HUB_OFFLINE=1 to use the cache only, or HF_ENDPOINT for a mirror)."
        case let .badResponse(url, reason):
            return "\(url) gave an unexpected answer: \(reason)."
        case let .interrupted(file, kept, reason):
            return "The download of \(file) stopped (\(reason)); the part received is kept in \(kept) and the next run resumes from it."
        case let .checksumMismatch(file, expected, actual):
            return "\(file) arrived with sha256 \(actual) where the Hub promised \(expected); the damaged download was deleted, so run the command again."
        case let .cacheNotWritable(path):
            return "Cannot write \(path) in the Hugging Face cache (set HF_HUB_CACHE or HF_HOME to a writable folder)."
        }
    }
}
