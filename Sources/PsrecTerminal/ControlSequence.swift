/// A complete control sequence, `CSI P…P I…I F` (ECMA-48 §5.4): its parameters, private
/// marker, intermediate byte and final byte.
public struct ControlSequence: Sendable, Equatable {
    /// Most parameters kept; more are dropped, as xterm does.
    public static let maxParameters = 32
    /// Largest value of a parameter; larger numbers are cut to it.
    public static let maxParameterValue = 99_999

    /// The parameters, an empty one as 0; colon sub-parameters are flattened among them.
    public var parameters: [Int] = []
    /// `<`, `=`, `>` or `?` when the sequence starts with one, else 0.
    public var privateMarker: UInt32 = 0
    /// The last intermediate byte (0x20–0x2F), else 0.
    public var intermediate: UInt32 = 0
    /// The final byte (0x40–0x7E).
    public var final: UInt32 = 0

    public init(parameters: [Int] = [], privateMarker: UInt32 = 0, intermediate: UInt32 = 0, final: UInt32 = 0) {
        self.parameters = parameters
        self.privateMarker = privateMarker
        self.intermediate = intermediate
        self.final = final
    }

    /// The `i`th parameter, with 0 or absent meaning `fallback` (ECMA-48's default values).
    @inlinable
    public func parameter(_ i: Int, _ fallback: Int = 1) -> Int {
        guard i < parameters.count, parameters[i] != 0 else { return fallback }
        return parameters[i]
    }
}
