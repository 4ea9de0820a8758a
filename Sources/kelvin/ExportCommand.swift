import ArgumentParser
import NN

/// `kelvin export`: a Kelvin checkpoint's model state → a PyTorch state dict in a safetensors file.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a checkpoint's weights as a PyTorch state_dict in a safetensors file.",
        discussion: """
            Writes every parameter and batch-norm running statistic as F32 under its PyTorch state_dict \
            name, and each batch-norm's num_batches_tracked as a 0-d I64 (the checkpoint's step), so \
            model.load_state_dict(safetensors.torch.load_file(FILE), strict=True) accepts it for the \
            same architecture (see kelvin import --help). The metadata holds format=pt, the model spec \
            (kelvin.model) and the input normalisation (kelvin.normalization) when known. \
            Optimizer state is not exported.
            """)

    @Option(help: "Checkpoint file written by kelvin train or kelvin import.") var checkpoint: String
    @Option(help: "The safetensors file to write.") var safetensors: String

    func run() throws {
        do { try export() } catch let e as NNError { throw failCLI(e) }
    }

    private func export() throws {
        let ck = try Checkpoint(path: checkpoint)
        let file = try ck.stateDict(path: checkpoint)
        try file.write(to: safetensors)
        printErr("\(ck.header.model.summary): wrote \(file.entries.count) tensors to \(safetensors)\n")
    }
}
