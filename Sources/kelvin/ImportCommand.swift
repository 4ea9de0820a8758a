import ArgumentParser
import Foundation
import NN

/// `kelvin import`: a PyTorch state dict in a safetensors file → a Kelvin checkpoint.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import PyTorch weights (a state_dict saved as safetensors) into a Kelvin checkpoint.",
        discussion: """
            Builds the architecture named by --model and the size options, loads the tensors by their \
            PyTorch state_dict names (torchvision's for ResNets: conv1.weight, layer1.0.bn1.running_mean, \
            fc.bias; nn.Sequential indices for cnn and mlp: 0.weight, 1.running_var) and writes a checkpoint \
            without training state, for kelvin eval, kelvin train --init and kelvin export. \
            F32, F16, BF16 and F64 tensors are read (converted to float32); num_batches_tracked is ignored. \
            Names the model lacks, names the file lacks and shapes that differ are all listed, and nothing \
            is written. \
            cnn is nn.Sequential(Conv2d(C,w,3,padding=1,bias=False), BatchNorm2d(w), ReLU(), MaxPool2d(2), \
            Conv2d(w,2w,3,padding=1,bias=False), BatchNorm2d(2w), ReLU(), MaxPool2d(2), Flatten(), \
            Linear(2w·H/4·W/4, K)); mlp is nn.Sequential(Flatten(), Linear(C·H·W, w), ReLU(), Linear(w, K)). \
            --mean/--std store the per-channel input normalisation the weights expect (for ImageNet \
            weights on 0-1 images: --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225); without them the \
            normalisation a kelvin export recorded in the file's metadata is kept, and failing that kelvin eval \
            and kelvin train --init normalise with the statistics of the data set's training split.
            """)

    @Option(help: "The safetensors file (PyTorch state_dict names).") var safetensors: String
    @Option(help: "Architecture: \(ModelSpec.catalogNames.joined(separator: ", ")).") var model = "resnet18"
    @Option(help: "ResNet stem: small (3x3/1 conv, no max-pool) or imagenet (7x7/2 conv + max-pool). Default small.")
    var stem: String?
    @Option(help: "Channels of the first stage (ResNet, cnn) or hidden units (mlp).") var width = 64
    @Option(help: "Number of classes (outputs of the last layer).") var classes = 10
    @Option(name: .customLong("input-channels"), help: "Channels of the input images.") var inputChannels = 1
    @Option(name: .customLong("image-size"), help: "Image side S or HxW (cnn and mlp; ResNets take any size).")
    var imageSize = "28"
    @Option(help: "Per-channel input mean, comma-separated (stored for eval).") var mean: String?
    @Option(help: "Per-channel input standard deviation, comma-separated (stored for eval).") var std: String?
    @Option(help: "Checkpoint file to write.") var out: String

    func run() throws {
        do { try importWeights() } catch let e as NNError { throw failCLI(e) }
    }

    private func importWeights() throws {
        let (height, imageWidth) = try Self.parseSize(imageSize)
        let spec = try ModelSpec.named(model, stem: stem, width: width, inputChannels: inputChannels, height: height,
                                       imageWidth: imageWidth, classes: classes)
        let normalization: CheckpointHeader.Normalization?
        switch (mean, std) {
        case (nil, nil): normalization = nil
        case (let m?, let s?): normalization = .init(mean: try Self.parseList(m, "--mean"), std: try Self.parseList(s, "--std"))
        default: throw NNError.invalidArgument("--mean and --std go together")
        }
        let file = try Safetensors(path: safetensors)
        let checkpoint = try Checkpoint(model: spec, stateDict: file, path: safetensors, normalization: normalization)
        try checkpoint.write(to: out)
        let parameters = checkpoint.arrays.filter { !$0.name.contains(".running_") }.reduce(0) { $0 + $1.values.count }
        let stored = checkpoint.header.normalization.map { n in
            (normalization == nil ? ", input normalisation from the file's metadata: mean " : ", input normalisation: mean ")
                + "\(n.mean), std \(n.std)"
        } ?? " (no input normalisation stored)"
        printErr("\(spec.summary), \(parameters) parameters, from \(file.entries.count) tensors of \(safetensors)\(stored): wrote \(out)\n")
    }

    /// `28` → (28, 28); `32x48` → (32, 48).
    static func parseSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        switch parts.count {
        case 1: if let s = parts[0], s > 0 { return (s, s) }
        case 2: if let h = parts[0], let w = parts[1], h > 0, w > 0 { return (h, w) }
        default: break
        }
        throw NNError.invalidArgument("--image-size must be S or HxW with positive integers, got '\(text)'")
    }

    /// `0.5,0.25` → [0.5, 0.25].
    static func parseList(_ text: String, _ option: String) throws -> [Float] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw NNError.invalidArgument("\(option) must be comma-separated numbers, got '\(text)'")
        }
        return values.compactMap { $0 }
    }
}
