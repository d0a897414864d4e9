/// A complete control sequence, `CSI P…P I…I F` (ECMA-48 §5.4): its parameters, private
/// marker, intermediate byte and final byte.
public struct ControlSequence: Sendable, Equatable {
    /// Most parameters kept; more are dropped, as xterm does.
    public static let maxParameters = 32
    /// Largest value of a parameter; larger numbers are cut to it.
    public static let maxParameterValue = 99_999

    /// The parameters, an empty one as 0; colon sub-parameters are flattened among them.
    public var parameters: [Int] = []
    /// Bit `i` is set when `parameters[i]` came after a colon: an ITU-T T.416 sub-parameter
    /// of the one before (`38:2::255:0:0`, `4:3`), not a parameter of its own.
    public var subParameters: UInt32 = 0
    /// `<`, `=`, `>` or `?` when the sequence starts with one, else 0.
    public var privateMarker: UInt32 = 0
    /// The last intermediate byte (0x20–0x2F), else 0.
    public var intermediate: UInt32 = 0
    /// The final byte (0x40–0x7E).
    public var final: UInt32 = 0

    public init(parameters: [Int] = [], subParameters: UInt32 = 0, privateMarker: UInt32 = 0, intermediate: UInt32 = 0,
                final: UInt32 = 0) {
        self.parameters = parameters
        self.subParameters = subParameters
        self.privateMarker = privateMarker
        self.intermediate = intermediate
        self.final = final
    }

    /// True when `parameters[i]` is a sub-parameter (it came after a colon).
    @inlinable
    public func isSubParameter(_ i: Int) -> Bool {
        i >= 0 && i < parameters.count && subParameters & (1 << UInt32(i)) != 0
    }

    /// The `i`th parameter, with 0 or absent meaning `fallback` (ECMA-48's default values).
    @inlinable
    public func parameter(_ i: Int, _ fallback: Int = 1) -> Int {
        guard i < parameters.count, parameters[i] != 0 else { return fallback }
        return parameters[i]
    }
}
