/// Structural checks that explain a singular DC matrix in circuit terms.
extension Circuit {
    /// Nodes (deck and internal) with no DC path to ground through conductances, junctions or
    /// voltage-defined branches, in unknown order.
    func floatingNodes() -> [String] {
        var sets = DisjointSets(count: dimension + 1)
        let ground = dimension
        func id(_ n: Int) -> Int { n == groundIndex ? ground : n }
        for device in devices {
            for (a, b) in device.dcPaths { sets.union(id(a), id(b)) }
        }
        let groundRoot = sets.find(ground)
        return unknownNames.indices.filter { unknownKinds[$0] != .branch && sets.find($0) != groundRoot }
            .map { unknownNames[$0] }
    }

    /// The elements of the first loop made only of voltage-defined branches (V, E, H, L), if any.
    func voltageLoop() -> [String]? {
        var sets = DisjointSets(count: dimension + 1)
        let ground = dimension
        func id(_ n: Int) -> Int { n == groundIndex ? ground : n }
        // The branches accepted so far, as (node, node, device) triples in one flat array: the
        // adjacency lists for `path` are built only when a loop is found (a `[Int: [(Int, String)]]`
        // built on every run cost ~380,000 instructions of generic-metadata set-up, a small deck's
        // whole operating point).
        var branches: [Int] = []
        for (k, device) in devices.enumerated() {
            guard let (a0, b0) = device.voltageDefinition else { continue }
            let a = id(a0), b = id(b0)
            if a == b { return [device.name] }
            if sets.find(a) == sets.find(b) {
                var adjacency: [Int: [(Int, String)]] = [:]
                for e in stride(from: 0, to: branches.count, by: 3) {
                    let (u, v, name) = (branches[e], branches[e + 1], devices[branches[e + 2]].name)
                    adjacency[u, default: []].append((v, name))
                    adjacency[v, default: []].append((u, name))
                }
                return (path(from: a, to: b, adjacency: adjacency) ?? []) + [device.name]
            }
            sets.union(a, b)
            branches += [a, b, k]
        }
        return nil
    }

    /// Element names along the forest path from `a` to `b` (breadth-first search).
    private func path(from a: Int, to b: Int, adjacency: [Int: [(Int, String)]]) -> [String]? {
        var previous: [Int: (Int, String)] = [:]
        var queue = [a]
        var seen: Set<Int> = [a]
        var head = 0
        while head < queue.count {
            let u = queue[head]
            head += 1
            if u == b { break }
            for (v, name) in adjacency[u] ?? [] where !seen.contains(v) {
                seen.insert(v)
                previous[v] = (u, name)
                queue.append(v)
            }
        }
        guard seen.contains(b) else { return nil }
        var names: [String] = []
        var node = b
        while node != a, let (u, name) = previous[node] {
            names.append(name)
            node = u
        }
        return names.reversed()
    }
}

/// Union–find with path halving.
struct DisjointSets: Sendable {
    private var parent: [Int]

    init(count: Int) { parent = Array(0..<count) }

    mutating func find(_ x: Int) -> Int {
        var x = x
        while parent[x] != x {
            parent[x] = parent[parent[x]]
            x = parent[x]
        }
        return x
    }

    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        if ra != rb { parent[ra] = rb }
    }
}
