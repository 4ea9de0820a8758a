import XCTest
@testable import Tensor
