import Foundation
import Tensor
import XCTest
@testable import NN

/// Compares Kelvin's residual blocks with torchvision's (fixtures from Fixtures/make_fixtures.py).
final class FixtureTests: XCTestCase {
    private struct Fixture {
        var arrays: [String: (shape: [Int], values: [Float])] = [:]
        func tensor(_ name: String) throws -> Tensor {
            let a = try XCTUnwrap(arrays[name], "fixture array \(name)")
            return Tensor(shape: a.shape, data: a.values)
        }
    }

    private func load(_ name: String) throws -> Fixture {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let data = try Data(contentsOf: dir.appendingPathComponent(name + ".json"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        var f = Fixture()
        for (k, v) in object {
            let shape = try XCTUnwrap(v["shape"] as? [Int])
            let values = try XCTUnwrap(v["values"] as? [Double]).map(Float.init)
            f.arrays[k] = (shape, values)
        }
        return f
    }

    private func assertClose(_ a: Tensor?, _ b: Tensor, _ what: String, tol: Float = 2e-4) {
        guard let a else { return XCTFail("\(what): no value") }
        XCTAssertEqual(a.shape, b.shape, what)
        let scale = max(1, b.scalars.map(abs).max() ?? 1)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tol * scale, "\(what): max |Δ| = \(worst)")
    }

    private func check(_ block: some Layer, fixture name: String) throws {
        let f = try load(name)
        let arrays = f.arrays.map { NamedArray(name: $0.key, shape: $0.value.shape, values: $0.value.values) }
        // Load weights; running statistics start at 0 / 1 like a fresh torch module.
        for entry in block.namedState {
            if case .parameter(let p) = entry.value { p.assign(try f.tensor(entry.name)) }
        }
        var x = try f.tensor("x")
        x.requiresGrad = true
        let y = block(x, context: .training)
        assertClose(y, try f.tensor("y"), "\(name) output")
        (y * (try f.tensor("R"))).sum().backward()
        assertClose(x.grad, try f.tensor("dx"), "\(name) input gradient")
        for entry in block.namedState {
            switch entry.value {
            case .parameter(let p): assertClose(p.grad, try f.tensor("grad." + entry.name), "\(name) grad \(entry.name)", tol: 5e-4)
            case .runningStatistics:
                // After one training forward: compare the running statistics too.
                let mine = block.stateArrays(prefix: "").filter { $0.name.contains("running") }
                for a in mine {
                    let ref = try XCTUnwrap(arrays.first { $0.name == a.name }, a.name)
                    assertClose(Tensor(shape: a.shape, data: a.values), Tensor(shape: ref.shape, data: ref.values), "\(name) \(a.name)")
                }
            }
        }
    }

    func testBasicBlockMatchesTorchvision() throws {
        var rng = RandomSource(seed: 0)
        try check(BasicBlock(inChannels: 4, planes: 8, stride: 2, rng: &rng), fixture: "basic_block")
    }

    func testBottleneckMatchesTorchvision() throws {
        var rng = RandomSource(seed: 0)
        try check(Bottleneck(inChannels: 4, planes: 2, stride: 2, rng: &rng), fixture: "bottleneck")
    }
}
