import Compiler
import Foundation
import NN
import TestSupport
import XCTest

/// The training step of a ResNet (`Builder.scheduleTraining` through residual blocks): every
/// weighted stage's backward read (but the stem's) and weight update, the global pool's routing,
/// and each residual add's errors reaching both of its branches — the body's last conv and the
/// 1×1 shortcut read the error of the sum, an identity shortcut accumulates it onto the block
/// input's δ bank next to the body's first backward read.
final class ResNetTrainingTests: XCTestCase {
    /// ResNet-18 (small stem) at width 2 on 3×8×8 images: blocks 3.0, 3.2 (identity), 4.0 (1×1
    /// downsampling shortcut), 4.2, …, 6.2; global average pool 7, fc 9.
    static func compile() throws -> (Compilation, Schedule) {
        var options = CompileOptions()
        options.images = 1; options.positions = 1; options.cellsDirectory = CompileTests.netlists
        let compilation = try Compiler.compile(checkpoint: try ResidualBlockTests.checkpoint(.resnet(ResNetDeckTests.config)), path: "r18.ckpt",
                                               data: ResNetDeckTests.data(images: 1), options: options)
        let text = try XCTUnwrap(compilation.files.first { $0.path == "schedule.json" }).text
        return (compilation, try JSONDecoder().decode(Schedule.self, from: Data(text.utf8)))
    }

    func testResNetTrainingStepReachesBothBranchesOfEveryBlock() throws {
        let (compilation, schedule) = try Self.compile()
        XCTAssertNil(schedule.trainingNote)
        let training = try XCTUnwrap(schedule.training, schedule.trainingNote ?? "")
        XCTAssertEqual(schedule.violations(), [])
        XCTAssertTrue(training.allSatisfy { $0.start >= schedule.latency - 1e-12 })
        let stages = compilation.stages
        let identity = Set(stages.filter { add in add.kind == .add && !stages.contains { $0.index.hasPrefix(add.index + ".shortcut.") } }.map(\.index))
        XCTAssertEqual(identity, ["3.0", "3.2", "4.2", "5.2", "6.2"])

        // Every weighted stage: an update slot per position, a backward read per position but the stem's.
        var expected = 0
        for s in stages {
            let phases = training.filter { $0.layer == s.index }
            switch s.kind {
            case .weighted:
                XCTAssertEqual(phases.filter { $0.phase == "update" }.map(\.position), Array(0..<s.positions), s.index)
                XCTAssertEqual(phases.filter { $0.phase == "backward" }.map(\.position), s.index == "0" ? [] : Array(0..<s.positions), s.index)
                expected += s.index == "0" ? s.positions : 2 * s.positions
            case .add:
                XCTAssertEqual(phases.filter { $0.write.bank == "d" + s.index }.count, s.positions, s.index)
                expected += identity.contains(s.index) ? 2 * s.positions : s.positions
            case .globalAvgPool:
                expected += 1
            default:
                XCTAssertEqual(phases, [], s.index)
            }
        }
        XCTAssertEqual(training.count, expected)

        // Each add's error of the sum reaches both branches.
        func readers(_ bank: String) -> Set<String> {
            Set(training.filter { $0.read.bank == bank || ($0.phase == "backward" ? false : $0.readSecond?.bank == bank) }.map(\.layer))
        }
        func writers(_ bank: String) -> Set<String> { Set(training.filter { $0.write.bank == bank }.map(\.layer)) }
        for add in stages.filter({ $0.kind == .add }).map(\.index) {
            let sum = "d" + add
            XCTAssertTrue(readers(sum).contains(add + ".body.3"), "\(add): \(readers(sum))")
            XCTAssertEqual(Set(training.filter { $0.layer == add + ".body.3" && $0.phase == "update" }.compactMap { $0.readSecond?.bank }), [sum])
            let input = "d" + add + ".body.0"
            if identity.contains(add) {
                XCTAssertTrue(readers(sum).contains(add), add)
                XCTAssertEqual(writers(input), [add, add + ".body.0"], add)
            } else {
                XCTAssertTrue(readers(sum).contains(add + ".shortcut.0"), "\(add): \(readers(sum))")
                XCTAssertEqual(training.first { $0.layer == add + ".shortcut.0" && $0.phase == "backward" }?.write.bank, input)
                XCTAssertEqual(writers(input), [add + ".shortcut.0", add + ".body.0"], add)
            }
        }
        XCTAssertEqual(training.first { $0.layer == "3.0" && $0.phase == "backward" }?.read.bank, "d3.2.body.0")
        XCTAssertEqual(training.first { $0.layer == "0" && $0.phase == "update" }?.readSecond?.bank, "d3.0.body.0")

        // Every δ bank is complete (all its writers done) before any slot reads it.
        for bank in schedule.banks where bank.reset == true {
            let lastWrite = try XCTUnwrap(training.lastIndex { $0.write.bank == bank.name }, bank.name)
            if let firstRead = training.firstIndex(where: { $0.read.bank == bank.name || $0.readSecond?.bank == bank.name }) {
                XCTAssertLessThan(lastWrite, firstRead, bank.name)
            }
        }

        // The report: the training latency is the slots' sum, their count the report's.
        let report = compilation.report
        XCTAssertEqual(try XCTUnwrap(report.trainingLatency), training.reduce(0) { $0 + $1.duration }, accuracy: 1e-12)
        XCTAssertEqual(report.trainingTotal.slots, training.count)
        XCTAssertFalse(report.markdown.contains("Latency of the training step: not scheduled"))
        XCTAssertTrue(report.markdown.contains("schedule.json `training`: \(training.count) slots"))

        // An add whose routing is dropped leaves its branches reading errors nobody wrote.
        var broken = schedule
        broken.training!.removeAll { $0.layer == "4.0" }
        XCTAssertTrue(broken.violations().contains { $0.contains("reads d4.0[") }, "\(broken.violations().prefix(2))")
    }
}
