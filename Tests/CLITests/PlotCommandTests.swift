import Foundation
import TestSupport
import XCTest

/// End-to-end checks of `kelvin plot`: curves from a run directory, and a clear error without data.
final class PlotCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("plot") }
    override func tearDownWithError() throws { scratch.remove() }

    func testPlotsStepsAndEpochMetrics() throws {
        try scratch.write("steps.csv", """
            step,epoch,loss,accuracy,learning_rate,images_per_s
            1,1,2.3,0.1,0.01,50
            2,1,2.1,0.2,0.05,51
            3,2,1.7,0.4,0.02,52
            4,2,1.5,0.5,0.001,52

            """)
        try scratch.write("metrics.jsonl", """
            {"epoch":1,"images_per_s":50,"lr":0.05,"seconds":1,"test_top1":0.3,"test_top5":0.8,"train_loss":2.2,"train_top1":0.15}
            {"epoch":2,"images_per_s":52,"lr":0.001,"seconds":1,"test_top1":0.61,"test_top5":0.9,"train_loss":1.6,"train_top1":0.45}

            """)
        let result = try KelvinProcess.run(["plot", scratch.url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("4 steps, 2 epochs, last test top-1 61.00%"), result.stdout)
        let svg = try String(contentsOfFile: scratch.url.path + "/curves.svg", encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertEqual(svg.components(separatedBy: "<path ").count - 1, 3)  // loss, train top-1, lr
        XCTAssertEqual(svg.components(separatedBy: "<circle ").count - 1, 4)  // 2 epoch losses, 2 test points
    }

    func testEmptyRunDirectoryIsAnError() throws {
        let result = try KelvinProcess.run(["plot", scratch.url.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no steps.csv or metrics.jsonl rows"), result.stderr)
    }

    func testCorruptStepLogNamesItsPath() throws {
        let path = try scratch.write("steps.csv", "step,epoch,loss,accuracy,learning_rate,images_per_s\n1,1,nan-ish\n")
        let result = try KelvinProcess.run(["plot", scratch.url.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains(path), result.stderr)
    }

    /// Regression (issue 14 §4): `nan` or `1e30` in the step column trapped (illegal instruction).
    func testNonIntegerStepIsALocatedErrorNotACrash() throws {
        for bad in ["nan", "1e30", "-3", "inf"] {
            let path = try scratch.write("steps.csv", "step,epoch,loss,accuracy,learning_rate,images_per_s\n\(bad),1,2.3,0.1,0.01,50\n")
            let result = try KelvinProcess.run(["plot", scratch.url.path])
            XCTAssertEqual(result.status, 1, "\(bad): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(path) && result.stderr.contains("line 2"), result.stderr)
            XCTAssertTrue(result.stderr.contains("step"), result.stderr)
        }
    }

    /// Issue 14 §3: per-step loss and test loss, round tick values, a learning-rate axis ≥ 0, and
    /// a legend box wide enough for its longest name.
    func testTrainingPlotHasStepLossTestLossRoundTicksAndLearningRateAxisFromZero() throws {
        var rows = ["step,epoch,loss,accuracy,learning_rate,images_per_s,step_loss"]
        for step in 1...37 {
            let lr = 0.1 * (1 + cos(Double.pi * Double(step) / 37)) / 2  // cosine to 0
            rows.append("\(step),\(1 + (step - 1) / 19),\(2.3 - 0.03 * Double(step)),0.3,\(lr),50,\(2.3 - 0.03 * Double(step) + (step % 2 == 0 ? 0.2 : -0.2))")
        }
        try scratch.write("steps.csv", rows.joined(separator: "\n") + "\n")
        try scratch.write("metrics.jsonl", """
            {"epoch":1,"images_per_s":50,"lr":0.05,"seconds":1,"test_loss":2.0,"test_top1":0.3,"train_loss":2.2,"train_top1":0.15}
            {"epoch":2,"images_per_s":52,"lr":0.001,"seconds":1,"test_loss":1.5,"test_top1":0.61,"train_loss":1.6,"train_top1":0.45}

            """)
        let result = try KelvinProcess.run(["plot", scratch.url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let svg = try String(contentsOfFile: scratch.url.path + "/curves.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains(">step loss (batch)<") && svg.contains(">test loss<"), svg)
        XCTAssertEqual(svg.components(separatedBy: "<path ").count - 1, 4)  // step loss, mean loss, train top-1, lr
        // Tick labels: right- or middle-anchored texts holding only a number.
        let labels = svg.split(separator: "\n").filter { $0.contains("text-anchor=\"end\"") || $0.contains("text-anchor=\"middle\"") }
            .compactMap { line -> String? in
                guard let open = line.range(of: "\">"), let close = line.range(of: "</text>") else { return nil }
                return String(line[open.upperBound..<close.lowerBound])
            }.filter { Double($0) != nil }
        XCTAssertGreaterThan(labels.count, 15)
        for label in labels {
            let value = Double(label)!
            XCTAssertGreaterThanOrEqual(value, 0, "negative tick \(label) (loss, %, lr and steps are all ≥ 0 here)")
            // A round value: at most two significant digits after removing the power of ten.
            let digits = label.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ".", with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "0"))
            XCTAssertLessThanOrEqual(digits.count, 2, "tick \(label) is not round")
        }
        // The legend box fits "train loss (epoch running mean)" (31 characters at ≈ 7 px).
        XCTAssertTrue(svg.contains("width=\"243.0\""), "legend box width")
    }
}
