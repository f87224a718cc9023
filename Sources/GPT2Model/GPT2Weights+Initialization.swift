import Foundation
import GPT2Kernels

extension GPT2Weights {
    /// All parameters in one contiguous fp32 buffer (ParameterLayout order), as llm.c keeps
    /// them, so an optimizer can later walk them as one array.
    ///
    /// - Throws: `ConfigError` for a configuration `validate()` refuses, `MemoryLimitError` when
    ///   the buffer would not fit in this machine's memory (checked before allocating).
    public static func zeros(config: GPT2Config) throws -> (weights: GPT2Weights, storage: FloatStorage) {
        try config.validate()
        try MemoryBudget.require(config.fp32ParameterBytes,
                                 for: "A model of \(config.parameterCount) parameters in fp32",
                                 advice: "choose fewer layers, a smaller width or a smaller vocabulary")
        let entries = ParameterLayout.entries(for: config)
        let storage = FloatStorage(count: entries.reduce(0) { $0 + $1.elementCount })
        var offsets: [String: Int] = [:]
        var offset = 0
        for entry in entries {
            offsets[entry.name] = offset
            offset += entry.elementCount
        }
        let source = Source(
            vector: { name, shape in storage.tensor(offset: offsets[name]!, shape: shape) },
            matrix: { name, k, n, layout in
                WeightMatrix(f32: UnsafePointer(storage.pointer + offsets[name]!), layout: layout,
                             inputs: k, outputs: n, owner: storage)
            })
        return (try GPT2Weights(config: config, source: source), storage)
    }

    /// GPT-2's initialisation (as in Hugging Face transformers and nanoGPT): linear and embedding
    /// weights ~ N(0, initializerRange), the residual projections (`attn.c_proj`, `mlp.c_proj`)
    /// ~ N(0, initializerRange / sqrt(2 * layers)), biases 0, LayerNorm weights 1.
    /// The same generator state gives the same weights everywhere.
    public static func randomlyInitialized(config: GPT2Config, using generator: inout some RandomNumberGenerator) throws -> GPT2Weights {
        let (weights, storage) = try zeros(config: config)
        var offset = 0
        for entry in ParameterLayout.entries(for: config) {
            let p = storage.pointer + offset
            let n = entry.elementCount
            if entry.name.hasSuffix(".bias") {
                // zeros already
            } else if entry.name.hasPrefix("ln_") || entry.name.contains(".ln_") {
                p.update(repeating: 1, count: n)
            } else {
                var std = Double(config.initializerRange)
                if entry.isResidualProjection { std /= (2.0 * Double(config.layerCount)).squareRoot() }
                fillNormal(p, count: n, std: std, using: &generator)
            }
            offset += n
        }
        return weights
    }

    /// Box-Muller normals from 53-bit uniforms.
    static func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int, std: Double,
                           using generator: inout some RandomNumberGenerator) {
        var i = 0
        while i < count {
            let u1 = Double(generator.next() >> 11 | 1) * 0x1p-53   // (0, 1]
            let u2 = Double(generator.next() >> 11) * 0x1p-53
            let radius = (-2 * log(u1)).squareRoot() * std
            let angle = 2 * Double.pi * u2
            p[i] = Float(radius * cos(angle))
            if i + 1 < count { p[i + 1] = Float(radius * sin(angle)) }
            i += 2
        }
    }
}
