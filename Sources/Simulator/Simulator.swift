import Netlist
import LinearAlgebra
