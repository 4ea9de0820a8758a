import XCTest
@testable import LinearAlgebra
