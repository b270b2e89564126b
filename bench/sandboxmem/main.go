// Command sandboxmem prints the heap a demo sandbox holds in a fresh process: the runtime
// alone, then with the operation catalog decoded, then with one and with ten demo sandboxes.
//
//	go run ./bench/sandboxmem
package main

import (
	"fmt"
	"log"
	"runtime"

	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/sandbox"
)

func heapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

func main() {
	fmt.Printf("%-40s %8s\n", "state", "heap MiB")
	fmt.Printf("%-40s %8.1f\n", "runtime only", heapMiB())
	_ = spec.Operations()
	fmt.Printf("%-40s %8.1f\n", "catalog decoded", heapMiB())
	var servers []*sandbox.Server
	for _, n := range []int{1, 10} {
		for len(servers) < n {
			s, err := sandbox.New(sandbox.Options{})
			if err != nil {
				log.Fatal(err)
			}
			servers = append(servers, s)
		}
		fmt.Printf("%-40s %8.1f\n", fmt.Sprintf("%d demo sandbox(es) running", n), heapMiB())
	}
	for _, s := range servers {
		s.Close()
	}
}
