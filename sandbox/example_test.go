package sandbox_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/sandbox"
)

// A demo sandbox on a random loopback port, called with a token from its own key.
func Example() {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	token, err := sb.Key().Sign(auth.TokenOptions{})
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequest("GET", sb.URL()+"/v1/apps?limit=2&fields[apps]=name", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Data []struct {
			Attributes struct{ Name string } `json:"attributes"`
		} `json:"data"`
		Meta struct {
			Paging struct{ Total int } `json:"paging"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Status, resp.Header.Get("X-Rate-Limit"))
	for _, app := range page.Data {
		fmt.Println(app.Attributes.Name)
	}
	fmt.Println("total", page.Meta.Paging.Total)
	// Output:
	// 200 OK user-hour-lim:3600;user-hour-rem:3599;
	// Daybreak Planner
	// Pocket Ledger
	// total 4
}
