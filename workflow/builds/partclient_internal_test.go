package builds

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The parts' client made for an upload lets its connections go when asked; one the caller
// gave keeps them.
func TestPartClientClosesItsIdleConnections(t *testing.T) {
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		switch s {
		case http.StateNew:
			open[c] = true
		case http.StateClosed, http.StateHijacked:
			delete(open, c)
		}
	}
	srv.Start()
	defer srv.Close()
	openConns := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(open)
	}
	get := func(c *http.Client) {
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			})
		}
		wg.Wait()
	}

	c, closeIdle := partClient(nil, 4)
	get(c)
	if openConns() == 0 {
		t.Fatal("no connection kept for the parts")
	}
	closeIdle()
	for i := 0; openConns() > 0 && i < 200; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if n := openConns(); n > 0 {
		t.Errorf("%d connections still open after closeIdle", n)
	}

	mine := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	given, closeGiven := partClient(mine, 4)
	if given != mine {
		t.Fatal("the caller's client was not used")
	}
	get(given)
	time.Sleep(20 * time.Millisecond)
	kept := openConns()
	closeGiven()
	time.Sleep(20 * time.Millisecond)
	if kept == 0 || openConns() != kept {
		t.Errorf("the caller's client: %d connections before, %d after closeIdle", kept, openConns())
	}
	mine.CloseIdleConnections()
}
