import TestSupport
import XCTest
@testable import Tensor

final class AutogradTests: XCTestCase {
    func testSharedSubexpressionAccumulates() {
        var x = Tensor(shape: [3], data: [1, 2, 3])
        x.requiresGrad = true
        let y = x * x + x          // dy/dx = 2x + 1
        let z = (y * y).sum()      // dz/dx = 2y(2x + 1)
        z.backward()
        let xs: [Float] = [1, 2, 3]
        XCTAssertEqual(x.grad?.scalars, xs.map { 2 * ($0 * $0 + $0) * (2 * $0 + 1) })
    }

    func testOnlyTrackedInputsGetGradients() {
        var w = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        w.requiresGrad = true
        let x = Tensor(shape: [1, 2], data: [5, 6])
        let loss = linear(x, w).sum()
        XCTAssertTrue(loss.requiresGrad)
        loss.backward()
        XCTAssertEqual(w.grad?.scalars, [5, 6, 5, 6])
        XCTAssertNil(x.grad)
        XCTAssertNil(loss.grad, "non-leaves keep no gradient")
    }

    func testNoGradRecordsNothing() {
        var w = Tensor(shape: [2], data: [1, 2])
        w.requiresGrad = true
        let y = noGrad { (w * w).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(Autograd.isRecording)
        let z = Autograd.withoutRecording { Autograd.isRecording }
        XCTAssertFalse(z)
    }

    func testDetachedStopsGradient() {
        var w = Tensor(shape: [2], data: [1, 2])
        w.requiresGrad = true
        let loss = (w * w.detached()).sum()   // d/dw = w (detached factor is a constant)
        loss.backward()
        XCTAssertEqual(w.grad?.scalars, [1, 2])
    }

    func testBackwardWithSeed() {
        var x = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        x.requiresGrad = true
        let y = 3 * x
        y.backward(seed: Tensor(shape: [2, 2], data: [1, 0, 0, 2]))
        XCTAssertEqual(x.grad?.scalars, [3, 0, 0, 6])
    }

    func testReshapeSharesStorageAndCopyOnWrite() {
        var a = Tensor(shape: [2, 2], data: [1, 2, 3, 4])
        let b = a.reshaped(to: [4])
        a.withUnsafeMutableBufferPointer { $0[0] = 9 }
        XCTAssertEqual(b.scalars, [1, 2, 3, 4], "mutation must not leak into tensors sharing storage")
        XCTAssertEqual(a.scalars, [9, 2, 3, 4])
    }

    func testParameterAssignKeepsIdentity() {
        let p = Parameter(Tensor.zeros([3]))
        (p.value * Tensor.ones([3])).sum().backward()
        XCTAssertNotNil(p.grad)
        p.assign(Tensor(shape: [3], data: [1, 2, 3]))
        XCTAssertNil(p.grad)
        XCTAssertEqual(p.value.scalars, [1, 2, 3])
        XCTAssertTrue(p.value.requiresGrad)
    }

    func testThreadCountSetting() {
        let old = TensorThreads.count
        defer { TensorThreads.count = old }
        var rng = SeededGenerator(seed: 5)
        let x = randomTensor([3, 4, 6, 6], &rng), w = randomTensor([5, 4, 3, 3], &rng)
        let ref = conv2d(x, w, padding: 1).scalars
        TensorThreads.count = 1
        XCTAssertEqual(TensorThreads.count, 1)
        assertAllClose(conv2d(x, w, padding: 1).scalars, ref, tol: 1e-5)
    }

    func testMemoryCacheReuse() {
        let n = StoragePool.minCount * 2
        do { _ = Tensor.zeros([n]) }
        XCTAssertGreaterThanOrEqual(TensorMemory.cachedBytes, n * 4)
        let t = Tensor.full([n], value: 3)
        XCTAssertEqual(t.scalars.first, 3)
        TensorMemory.releaseCache()
        XCTAssertEqual(TensorMemory.cachedBytes, 0)
    }
}
