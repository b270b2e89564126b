// Command ascend automates Apple's App Store Connect. See `ascend --help`.
package main

import (
	"os"

	"github.com/ascend-tools/ascend/internal/cmd/root"
)

func main() { os.Exit(root.Main()) }
