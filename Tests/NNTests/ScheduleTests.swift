import XCTest
@testable import NN

/// Expected values printed by torch 2.15 (`torch.optim.lr_scheduler`), one value per optimizer step:
/// ```
/// o = SGD([p], lr=0.1, momentum=0.9); s = OneCycleLR(o, max_lr=0.1, total_steps=20)
/// for i in range(20): lr.append(o.param_groups[0]['lr']); m.append(...['momentum']); o.step(); s.step()
/// ```
final class ScheduleTests: XCTestCase {
    func testOneCycleMatchesPyTorch() {
        let lr = [0.004, 0.01316718427, 0.03716718427, 0.06683281573, 0.09083281573, 0.1, 0.0987464006235,
                  0.0950484632013, 0.0890916177571, 0.081174565395, 0.0716943001791, 0.0611262021936, 0.0500002,
                  0.0388741978064, 0.0283060998209, 0.018825834605, 0.0109087822429, 0.00495193679865,
                  0.00125399937649, 4e-07]
        let mom = [0.95, 0.940450849719, 0.915450849719, 0.884549150281, 0.859549150281, 0.85, 0.851253604391,
                   0.854951556605, 0.860908425877, 0.868825509907, 0.878305813044, 0.888873953302, 0.9,
                   0.911126046698, 0.921694186956, 0.931174490093, 0.939091574123, 0.945048443395,
                   0.948746395609, 0.95]
        let s = OneCycleLR(maxLR: 0.1, totalSteps: 20)
        for i in 0..<20 {
            XCTAssertEqual(s.learningRate(at: i), lr[i], accuracy: 1e-10, "step \(i)")
            XCTAssertEqual(s.momentum(at: i) ?? -1, mom[i], accuracy: 1e-10, "step \(i)")
        }
    }

    /// `CosineAnnealingLR(o, T_max=10)` with lr 0.1, steps 0…10.
    func testCosineMatchesPyTorch() {
        let lr = [0.1, 0.0975528258148, 0.0904508497187, 0.0793892626146, 0.0654508497187, 0.05, 0.0345491502813,
                  0.0206107373854, 0.00954915028125, 0.00244717418524, 0.0]
        let s = CosineLR(baseLR: 0.1, totalSteps: 10)
        for i in 0...10 { XCTAssertEqual(s.learningRate(at: i), lr[i], accuracy: 1e-10, "step \(i)") }
    }

    /// `StepLR(o, step_size=3, gamma=0.1)` with lr 0.1, steps 0…9.
    func testStepMatchesPyTorch() {
        let lr = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001]
        let s = StepLR(baseLR: 0.1, stepSize: 3, gamma: 0.1)
        for i in 0..<10 { XCTAssertEqual(s.learningRate(at: i), lr[i], accuracy: 1e-12, "step \(i)") }
    }
}
