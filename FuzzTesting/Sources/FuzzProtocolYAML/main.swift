import Experiments
import FuzzSupport

/// An input is a protocol file (YAML); a protocol that decodes and validates is planned, as `augbench run
/// --dry-run` does before it looks at the data.
func fuzzProtocolYAML(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let settings = try? SettingsFile.decode(ExperimentProtocol.self, yaml: FuzzInput.text(start, count), path: "fuzz.yaml")
    else { return 0 }
    _ = try? ExperimentPlan(settings)
    return 0
}

runFuzzer(fuzzProtocolYAML)
