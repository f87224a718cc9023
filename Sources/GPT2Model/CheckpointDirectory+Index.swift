import Foundation

extension CheckpointDirectory {
    /// Reads the `weight_map` of a `model.safetensors.index.json`: tensor name -> shard file name.
    ///
    /// Shard names must be plain file names in the same folder (no `/`, not `.` or `..`), so an
    /// index cannot point outside the checkpoint.
    static func readWeightMap(_ indexURL: URL) throws(CheckpointError) -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: indexURL)
        } catch {
            throw .unreadableFile(indexURL, reason: error.localizedDescription)
        }
        let json: SafetensorsJSON
        do {
            json = try SafetensorsJSON.parse(data)
        } catch {
            throw .badIndex(indexURL, reason: error.reason)
        }
        guard case .object(let top) = json else {
            throw .badIndex(indexURL, reason: "it is \(json.typeName), expected a JSON object with a weight_map")
        }
        guard case .object(let entries)? = top["weight_map"] else {
            throw .badIndex(indexURL, reason: "it has no weight_map object mapping tensor names to shard files")
        }
        guard !entries.isEmpty else {
            throw .badIndex(indexURL, reason: "its weight_map is empty")
        }
        var weightMap: [String: String] = [:]
        for (tensor, value) in entries {
            guard case .string(let shard) = value else {
                throw .badIndex(indexURL, reason: "weight_map entry '\(tensor)' is \(value.typeName), expected a shard file name")
            }
            guard !shard.isEmpty, !shard.contains("/"), shard != ".", shard != ".." else {
                throw .badIndex(indexURL, reason: "weight_map entry '\(tensor)' names \"\(shard)\", "
                    + "expected a file name in the same folder")
            }
            weightMap[tensor] = shard
        }
        return weightMap
    }
}
