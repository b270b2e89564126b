package metadata

// Normalize prepares a value that did not come from a file (an agent's argument) the way Read
// prepares file content, so that it compares with App Store Connect's values as a file would.
func Normalize(s string) string { return normalize(s) }
