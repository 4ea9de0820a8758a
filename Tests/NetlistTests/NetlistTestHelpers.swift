import XCTest
@testable import Netlist
