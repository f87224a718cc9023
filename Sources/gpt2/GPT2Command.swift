import ArgumentParser

@main
struct GPT2Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpt2",
        abstract: "Fine-tune, run and serve GPT-2 models on the CPU.",
        subcommands: [
            GenerateCommand.self, ScoreCommand.self, TokenizeCommand.self,
            InitCommand.self, QuantizeCommand.self, BenchCommand.self, ServeCommand.self, FinetuneCommand.self, DatasetCommand.self,
            ConvertCommand.self, DownloadCommand.self, AuditCommand.self,
        ]
    )
}
