import XCTest
@testable import Simulator
