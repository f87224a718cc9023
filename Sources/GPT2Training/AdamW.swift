import Foundation
import GPT2Kernels
import GPT2Model

/// AdamW (Loshchilov & Hutter) as `torch.optim.AdamW` computes it: decoupled weight decay
/// `p -= lr · decay · p`, then `p -= lr / (1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + ε)`. Weight decay
/// applies to the 2-D weights only (embeddings and linear weights), never to biases or
/// LayerNorm parameters. The moments `m` and `v` have the parameters' layout.
public final class AdamW: @unchecked Sendable {
    public struct Settings: Sendable, Equatable, Codable {
        public var beta1: Float = 0.9
        public var beta2: Float = 0.999
        public var epsilon: Float = 1e-8
        public var weightDecay: Float = 0.01
        public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    public let settings: Settings
    /// First and second moments.
    public let m: ParameterBuffer
    public let v: ParameterBuffer
    /// Updates made so far (t in the bias corrections).
    public var stepCount: Int = 0

    public init(like parameters: ParameterBuffer, settings: Settings) {
        self.settings = settings
        m = parameters.zerosLike()
        v = parameters.zerosLike()
    }

    /// Whether `entry` takes weight decay: the 2-D weights only.
    public static func decays(_ entry: ParameterLayout.Entry) -> Bool { entry.shape.count >= 2 }

    /// One update of every parameter whose `trainable` flag is set, at learning rate `lr`,
    /// spread over `pool` (nil: the calling thread). Every element's arithmetic is the same
    /// whichever thread or vector lane does it, so the result does not depend on the pool.
    public func step(parameters: ParameterBuffer, gradients: ParameterBuffer, trainable: [Bool], lr: Float,
                     pool: ThreadPool? = nil) {
        stepCount += 1
        let s = settings
        let t = Float(stepCount)
        let correction1 = 1 - powf(s.beta1, t)
        let correction2Root = (1 - powf(s.beta2, t)).squareRoot()
        let stepSize = lr / correction1
        for (i, entry) in parameters.entries.enumerated() where trainable[i] {
            let offset = parameters.offsets[i]
            let update = Update(p: parameters.pointer + offset, g: gradients.pointer + offset,
                                m: self.m.pointer + offset, v: self.v.pointer + offset,
                                decay: Self.decays(entry) ? 1 - lr * s.weightDecay : 1, beta1: s.beta1, beta2: s.beta2,
                                epsilon: s.epsilon, correction2Root: correction2Root, stepSize: stepSize)
            let count = entry.elementCount, chunk = Self.chunk
            let pieces = (count + chunk - 1) / chunk
            let run = { (piece: Int) in update.apply(piece * chunk..<min(count, (piece + 1) * chunk)) }
            if let pool, pieces > 1 { pool.parallelFor(pieces, run) } else { for piece in 0..<pieces { run(piece) } }
        }
    }

    /// Elements per work item of `step` (a multiple of the vector width).
    static let chunk = 1 << 15

    /// One parameter tensor's update: its pointers and the step's constants.
    struct Update: @unchecked Sendable {
        let p, g, m, v: UnsafeMutablePointer<Float>
        let decay, beta1, beta2, epsilon, correction2Root, stepSize: Float

        /// Updates elements `range`, 16 lanes at a time, with the scalar formulas' exact
        /// operations in the same order (no fused multiply-adds), then the tail one by one.
        func apply(_ range: Range<Int>) {
            typealias V = SIMD16<Float>
            let decayV = V(repeating: decay), beta1V = V(repeating: beta1), beta2V = V(repeating: beta2)
            let rest1 = V(repeating: 1 - beta1), rest2 = V(repeating: 1 - beta2)
            let epsilonV = V(repeating: epsilon), correctionV = V(repeating: correction2Root)
            let stepV = V(repeating: stepSize)
            var j = range.lowerBound
            while j + 16 <= range.upperBound {
                let gj = loadV(g + j)
                let mj = beta1V * loadV(m + j) + rest1 * gj
                let vj = beta2V * loadV(v + j) + rest2 * gj * gj
                let denominator = vj.squareRoot() / correctionV + epsilonV
                storeV(loadV(p + j) * decayV - stepV * mj / denominator, p + j)
                storeV(mj, m + j)
                storeV(vj, v + j)
                j += 16
            }
            while j < range.upperBound {
                let gj = g[j]
                p[j] *= decay
                m[j] = beta1 * m[j] + (1 - beta1) * gj
                v[j] = beta2 * v[j] + (1 - beta2) * gj * gj
                let denominator = v[j].squareRoot() / correction2Root + epsilon
                p[j] -= stepSize * m[j] / denominator
                j += 1
            }
        }
    }
}

/// The learning rate at each step: linear warmup from lr / warmup to lr over `warmup` steps,
/// then constant, or a cosine from lr down to `minimumFraction` x lr at step `totalSteps`.
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    public enum Shape: String, Sendable, Codable, CaseIterable { case cosine, constant }
    public var peak: Float
    public var warmup: Int
    public var totalSteps: Int
    public var shape: Shape
    public var minimumFraction: Float

    public init(peak: Float, warmup: Int, totalSteps: Int, shape: Shape = .cosine, minimumFraction: Float = 0.1) {
        self.peak = peak
        self.warmup = warmup
        self.totalSteps = totalSteps
        self.shape = shape
        self.minimumFraction = minimumFraction
    }

    /// The rate for step `step` (0-based).
    public func rate(at step: Int) -> Float {
        if step < warmup { return Float(Double(peak) * Double(step + 1) / Double(warmup)) }
        switch shape {
        case .constant: return peak
        case .cosine:
            let progress = min(1, Double(step - warmup) / Double(max(1, totalSteps - warmup)))
            let low = Double(peak) * Double(minimumFraction)
            return Float(low + 0.5 * (Double(peak) - low) * (1 + cos(Double.pi * progress)))
        }
    }
}
