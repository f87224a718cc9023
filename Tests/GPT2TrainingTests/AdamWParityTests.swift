import Foundation
import GPT2Training
import Testing

/// Ten AdamW steps (gradient accumulation over two micro-batches, global-norm clipping,
/// warmup then cosine) against `torch.optim.AdamW` on the tiny fixture model.
@Suite struct AdamWParityTests {
    @Test func tenStepsMatchTorchAdamW() throws {
        let fixture = try TrainingFixture.load()
        let run = fixture.adamw
        let trainer = GPT2Trainer(parameters: try TrainingFixture.parameters(), threads: 2)
        let optimizer = AdamW(like: trainer.parameters, settings: .init(
            beta1: run.beta1, beta2: run.beta2, epsilon: run.eps, weightDecay: run.weight_decay))
        let schedule = LearningRateSchedule(peak: run.lr, warmup: run.warmup, totalSteps: run.steps,
                                            shape: .cosine, minimumFraction: run.min_lr_fraction)
        #expect(run.steps_run.count == run.steps)
        for (i, expected) in run.steps_run.enumerated() {
            let lr = schedule.rate(at: i)
            #expect(abs(Double(lr) - expected.lr) < 1e-9 + 1e-6 * expected.lr, "step \(i) lr")
            let result = trainer.step(expected.micro_batches.map(\.tokenBatch), optimizer: optimizer, lr: lr, clip: run.clip)
            #expect(abs(Double(result.loss) - expected.loss) < 1e-4, "step \(i): loss \(result.loss) vs \(expected.loss)")
            #expect(abs(result.gradientNorm - expected.grad_norm) < 1e-4 * max(1, expected.grad_norm), "step \(i) norm")
        }
        let final = run.final_batch.tokenBatch
        let loss = trainer.evaluate([final])
        #expect(abs(Double(loss) - run.final_batch.loss!) < 1e-4, "after 10 steps: \(loss) vs \(run.final_batch.loss!)")
        #expect(run.final_parameters.count == 3)
        for (name, theirs) in run.final_parameters {
            let ours = trainer.parameters.pointer(name)
            let worst = theirs.indices.map { abs(ours[$0] - theirs[$0]) }.max() ?? 0
            #expect(worst < 1e-4, "\(name) after 10 steps: max difference \(worst)")
        }
    }

    @Test func scheduleShapes() {
        let cosine = LearningRateSchedule(peak: 1, warmup: 4, totalSteps: 14, shape: .cosine, minimumFraction: 0.1)
        #expect(cosine.rate(at: 0) == 0.25)
        #expect(cosine.rate(at: 3) == 1)
        #expect(abs(cosine.rate(at: 9) - 0.55) < 1e-6)     // half way down the cosine
        #expect(abs(cosine.rate(at: 14) - 0.1) < 1e-6)
        let constant = LearningRateSchedule(peak: 2, warmup: 0, totalSteps: 10, shape: .constant)
        #expect(constant.rate(at: 0) == 2 && constant.rate(at: 9) == 2)
    }
}
