package auth_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/ascend-tools/ascend/asc/auth"
)

// This example loads a key the way Apple delivers it, an AuthKey_<KEYID>.p8 file, and sends
// an authorized request through Transport. A loopback server stands in for Apple and a key
// is generated on the spot, so the example runs anywhere.
func Example() {
	dir, err := os.MkdirTemp("", "ascend-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_, pemBytes, err := auth.GenerateKey("2X9R4HXF34", "57246542-96fe-1a63-e053-0824d011072a")
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "AuthKey_2X9R4HXF34.p8")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		log.Fatal(err)
	}

	// The key id comes from the file name when none is given.
	key, err := auth.LoadKeyFile(path, "", "57246542-96fe-1a63-e053-0824d011072a")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key)

	apple := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ey") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"data":[]}`)
	}))
	defer apple.Close()

	client := &http.Client{Transport: &auth.Transport{
		Source: auth.NewTokenSource(key, auth.TokenOptions{}),
	}}
	resp, err := client.Get(apple.URL + "/v1/apps")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output:
	// key 2X9R4HXF34 (team)
	// 200 OK {"data":[]}
}
