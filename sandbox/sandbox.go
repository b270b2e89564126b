package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
)

// Options configure a sandbox. The zero value is a demo sandbox on a random loopback port
// with Apple's default rate budget.
type Options struct {
	// Seed is the initial data: "demo" (default) or "empty".
	Seed string
	// StatePath, when set, is a SQLite file that keeps the state and the key across restarts,
	// so the CLI's embedded sandbox sees its earlier changes and keeps trusting its key.
	StatePath string
	// Addr is the listen address; default "127.0.0.1:0". Only loopback addresses are sensible.
	Addr string

	// Latency is added before every API answer; LatencyJitter adds up to that much more at random.
	// It is the network's delay, fixed for the sandbox's life: faults set later (SetFaults,
	// POST /sandbox/faults) add their own latency on top of it and never remove it.
	Latency       time.Duration
	LatencyJitter time.Duration
	// Faults start as given; POST /sandbox/faults changes them at run time.
	Faults Faults

	// HourlyLimit is the per-key budget reported in X-Rate-Limit (default 3600; negative: unlimited).
	HourlyLimit int
	// BurstLimit is how many requests a key may make in a quick burst before 429s (default 100;
	// negative disables it, as benchmarks do). BurstRate is its refill per second (default 25,
	// also taken for zero or a negative rate, which would drain the burst instead).
	BurstLimit int
	BurstRate  float64

	// PartSize is the size of each upload part offered in uploadOperations (default 5 MiB,
	// the order of Apple's parts; small values make tests exercise many parts).
	PartSize int
	// SpoolDir is the folder uploads over 32 MiB are held in until committed (default the
	// system's temporary folder). One in memory (/dev/shm) keeps them off the disk, at the
	// cost of their size in memory while they last.
	SpoolDir string
	// ProcessingDelay is how long an uploaded asset stays UPLOAD_COMPLETE before COMPLETE
	// (default 2s). BuildProcessingDelay is how long a build stays PROCESSING before VALID
	// (default 10s). ReviewDelay is each step of App Review, WAITING_FOR_REVIEW -> IN_REVIEW
	// -> COMPLETE (default 10s). A negative value means no delay: the step happens at the
	// next request or clock tick.
	ProcessingDelay      time.Duration
	BuildProcessingDelay time.Duration
	ReviewDelay          time.Duration
	// RejectReviews makes submitted reviews end UNRESOLVED_ISSUES instead of COMPLETE.
	RejectReviews bool

	// AllowExternalWebhooks lets webhooks deliver to non-loopback URLs; off, so that tests and
	// demos never reach beyond this machine.
	AllowExternalWebhooks bool

	// ReadOnlyKey also creates a second trusted key whose writes are refused with 403; with
	// StatePath it is kept across restarts, as the main key is.
	ReadOnlyKey bool
	// IndividualKey makes the main key an individual key (sub "user", no issuer). With
	// StatePath, a stored key of the other kind is replaced by a new one of this kind.
	IndividualKey bool

	// Now is the clock (default time.Now). Tests pass a fake clock to drive expiry and
	// state machines; see also Server.Advance.
	Now func() time.Time
	// Logger receives one line per request at debug level and errors; default discards.
	Logger *slog.Logger
}

// Server is a running sandbox.
type Server struct {
	opts   Options
	log    *slog.Logger
	ln     net.Listener
	http   *http.Server
	url    string
	key    *auth.Key
	keyPEM []byte
	roKey  *auth.Key
	roPEM  []byte

	// mu guards everything below: reads (GET) share it, writes and timers hold it alone.
	// Each exclusive hold counts as a write, which makes the render cache start over.
	mu      stateLock
	st      *store
	timers  []timer
	firing  time.Time                 // the due time of the timer being fired, while it fires
	uploads map[string]*pendingUpload // token -> parts received
	checks  map[*pendingUpload]bool   // committed spooled uploads whose checksum is being verified
	checkWG sync.WaitGroup
	outbox  chan delivery // webhook POSTs for the delivery worker
	dirty   map[*record]bool
	removed [][2]string
	// stateDirty marks changes outside records (timers, the id sequence) to be saved.
	stateDirty bool
	keys       map[string]*trustedKey
	offset     time.Duration // added by Advance
	faults     Faults
	ruleMu     sync.Mutex // guards rules, apart from mu so matching never waits on a write
	rules      []*ruleState
	stats      stats
	limMu      sync.Mutex // guards limits, apart from mu so counting never waits on a render
	limits     map[string]*keyLimit
	mdl        *model
	persist    *persister

	cache         renderCache // encodings of resources and lists at the current write count
	noRenderCache atomic.Bool // tests: render every answer anew

	tokenCache sync.Map // token -> verifiedToken
	tokenCount atomic.Int64

	// pause waits before an answer (sleep; tests record the delays instead).
	pause    func(ctx context.Context, d time.Duration)
	handler  http.Handler
	closeOne sync.Once
	done     chan struct{}
}

// New starts a sandbox listening on Options.Addr (default 127.0.0.1:0).
func New(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.closeState()
		return nil, fmt.Errorf("sandbox: listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox server stopped", "err", err)
		}
	}()
	go s.tick()
	go s.deliveryWorker()
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Seed == "" {
		opts.Seed = "demo"
	}
	if opts.Seed != "demo" && opts.Seed != "empty" {
		return nil, fmt.Errorf("sandbox: unknown seed %q: use \"demo\" or \"empty\"", opts.Seed)
	}
	if opts.HourlyLimit == 0 {
		opts.HourlyLimit = 3600
	}
	if opts.BurstLimit == 0 {
		opts.BurstLimit = 100
	}
	if opts.BurstRate <= 0 {
		opts.BurstRate = 25
	}
	if opts.PartSize <= 0 {
		opts.PartSize = 5 * 1024 * 1024
	}
	if opts.ProcessingDelay == 0 {
		opts.ProcessingDelay = 2 * time.Second
	}
	if opts.BuildProcessingDelay == 0 {
		opts.BuildProcessingDelay = 10 * time.Second
	}
	if opts.ReviewDelay == 0 {
		opts.ReviewDelay = 10 * time.Second
	}
	// A negative delay means none: the step happens at the next request or clock tick.
	for _, d := range []*time.Duration{&opts.ProcessingDelay, &opts.BuildProcessingDelay, &opts.ReviewDelay} {
		*d = max(*d, 0)
	}
	opts.Latency, opts.LatencyJitter = max(opts.Latency, 0), max(opts.LatencyJitter, 0)
	if err := checkRules(opts.Faults.Rules); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:    opts,
		log:     log,
		keys:    map[string]*trustedKey{},
		limits:  map[string]*keyLimit{},
		uploads: map[string]*pendingUpload{}, checks: map[*pendingUpload]bool{},
		outbox: make(chan delivery, 1024),
		faults: opts.Faults,
		mdl:    &model{},
		done:   make(chan struct{}),
		pause:  sleep,
	}
	s.stats.reset()
	s.setRulesLocked(opts.Faults.Rules)
	if opts.StatePath != "" {
		p, err := openPersister(opts.StatePath)
		if err != nil {
			return nil, err
		}
		s.persist = p
	}
	if err := s.setupKeys(); err != nil {
		s.closeState()
		return nil, err
	}
	if err := s.loadOrSeed(); err != nil {
		s.closeState()
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// setupKeys loads the trusted key from the state file, or makes one (and saves it there).
func (s *Server) setupKeys() error {
	issuer := newUUID()
	if s.opts.IndividualKey {
		issuer = ""
	}
	var id string
	var pemBytes []byte
	if s.persist != nil {
		var err error
		var storedIssuer string
		id, storedIssuer, pemBytes, err = s.persist.loadKey("key", issuer)
		if err != nil {
			return err
		}
		if (storedIssuer == "") == s.opts.IndividualKey {
			issuer = storedIssuer
		} else {
			pemBytes = nil // the stored key is of the other kind: make one of the kind asked for
		}
	}
	if pemBytes == nil {
		id = newKeyID()
		k, p, err := auth.GenerateKey(id, issuer)
		if err != nil {
			return fmt.Errorf("sandbox: generate key: %w", err)
		}
		s.key, pemBytes = k, p
		if s.persist != nil {
			if err := s.persist.saveKey("key", id, issuer, pemBytes); err != nil {
				return err
			}
		}
	} else {
		k, err := auth.NewKey(id, issuer, pemBytes)
		if err != nil {
			return fmt.Errorf("sandbox: stored key in %s: %w", s.opts.StatePath, err)
		}
		s.key = k
	}
	s.keyPEM = pemBytes
	s.keys[s.key.ID] = &trustedKey{id: s.key.ID, issuerID: s.key.IssuerID, pub: s.key.PublicKey()}
	if s.opts.ReadOnlyKey {
		k, p, err := s.readOnlyKey()
		if err != nil {
			return err
		}
		s.roKey, s.roPEM = k, p
		s.keys[k.ID] = &trustedKey{id: k.ID, issuerID: k.IssuerID, pub: k.PublicKey(), readOnly: true}
	}
	return nil
}

// readOnlyKey loads the read-only key from the state file, when it holds one with the main
// key's issuer, or makes one (and saves it there), so that it too survives restarts.
func (s *Server) readOnlyKey() (*auth.Key, []byte, error) {
	if s.persist != nil {
		id, issuer, p, err := s.persist.loadKey("readOnlyKey", s.key.IssuerID)
		if err != nil {
			return nil, nil, err
		}
		if p != nil && issuer == s.key.IssuerID {
			k, err := auth.NewKey(id, issuer, p)
			if err != nil {
				return nil, nil, fmt.Errorf("sandbox: stored read-only key in %s: %w", s.opts.StatePath, err)
			}
			return k, p, nil
		}
	}
	k, p, err := auth.GenerateKey(newKeyID(), s.key.IssuerID)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: generate read-only key: %w", err)
	}
	if s.persist != nil {
		if err := s.persist.saveKey("readOnlyKey", k.ID, k.IssuerID, p); err != nil {
			return nil, nil, err
		}
	}
	return k, p, nil
}

// newKeyID makes a 10-character key id like the ones App Store Connect shows.
func newKeyID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [10]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}

func (s *Server) lookupKey(kid string) *trustedKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys[kid]
}

// TrustKey makes the sandbox accept tokens signed by another key, for tests that bring their
// own (an individual key, a key loaded from a file).
func (s *Server) TrustKey(k *auth.Key, readOnly bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.ID] = &trustedKey{id: k.ID, issuerID: k.IssuerID, pub: k.PublicKey(), readOnly: readOnly}
}

// URL is the base URL, e.g. http://127.0.0.1:43121; API paths go under it ("/v1/apps").
func (s *Server) URL() string { return s.url }

// Key is the trusted API key (team key unless Options.IndividualKey).
func (s *Server) Key() *auth.Key { return s.key }

// KeyPEM is Key's PKCS#8 PEM, the content of an AuthKey_<KEYID>.p8 file.
func (s *Server) KeyPEM() []byte { return s.keyPEM }

// ReadOnlyKey is the key whose writes get 403 (nil unless Options.ReadOnlyKey).
func (s *Server) ReadOnlyKey() *auth.Key { return s.roKey }

// ReadOnlyKeyPEM is ReadOnlyKey's PEM.
func (s *Server) ReadOnlyKeyPEM() []byte { return s.roPEM }

// Handler serves the sandbox without a listener, for in-process use (httptest, a custom
// server). Links in answers use the request's Host.
func (s *Server) Handler() http.Handler { return s.handler }

// Advance moves the sandbox's clock for state machines (processing, review) forward by d,
// without touching token checks, so a test can skip a review's wait without expiring its token.
// The moved clock is part of the state and survives a restart with StatePath.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
	s.stateDirty = true
	s.runDueLocked()
	if err := s.flushLocked(); err != nil {
		s.log.Error("sandbox: save state", "err", err)
	}
}

// now is the wall clock used for tokens and rate limits.
func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// stateNow is the clock of state machines: now plus Advance. Callers hold s.mu.
func (s *Server) stateNow() time.Time { return s.now().Add(s.offset) }

// Close stops serving and saves the state.
func (s *Server) Close() error {
	var err error
	s.closeOne.Do(func() {
		close(s.done)
		if s.http != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if e := s.http.Shutdown(ctx); e != nil {
				_ = s.http.Close()
			}
		}
		err = s.closeState()
		s.mu.Lock()
		for _, u := range s.uploads {
			u.discard()
		}
		for u := range s.checks {
			u.discard() // the check's reads fail and it ends
		}
		s.mu.Unlock()
		s.checkWG.Wait()
	})
	return err
}

// Wait blocks until the context ends or Close is called; `ascend sandbox` serves with it.
func (s *Server) Wait(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.done:
	}
}

func (s *Server) closeState() error {
	if s.persist == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.flushLocked()
	if cerr := s.persist.close(); err == nil {
		err = cerr
	}
	s.persist = nil
	return err
}

// credentialsFile is fastlane's api-key JSON with ascend's base_url.
type credentialsFile struct {
	KeyID    string `json:"key_id"`
	IssuerID string `json:"issuer_id,omitempty"`
	Key      string `json:"key"`
	InHouse  bool   `json:"in_house"`
	BaseURL  string `json:"base_url"`
}

// WriteCredentials writes dir/credentials.json (fastlane api-key JSON with base_url) and
// dir/AuthKey_<KEYID>.p8, both readable only by the owner, so any client can be pointed at
// the sandbox with --api-key-json or the three key flags; with a read-only key, that key too,
// as dir/read-only-credentials.json and its .p8.
func (s *Server) WriteCredentials(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sandbox: credentials folder: %w", err)
	}
	if err := s.writeKeyFiles(dir, "credentials.json", s.key, s.keyPEM); err != nil {
		return err
	}
	if s.roKey != nil {
		return s.writeKeyFiles(dir, ReadOnlyCredentialsFile, s.roKey, s.roPEM)
	}
	return nil
}

// ReadOnlyCredentialsFile is the name WriteCredentials gives the read-only key's api-key JSON
// (beside its AuthKey_<KEYID>.p8), when the sandbox has one.
const ReadOnlyCredentialsFile = "read-only-credentials.json"

func (s *Server) writeKeyFiles(dir, name string, k *auth.Key, pemBytes []byte) error {
	if err := os.WriteFile(filepath.Join(dir, "AuthKey_"+k.ID+".p8"), pemBytes, 0o600); err != nil {
		return fmt.Errorf("sandbox: write key file: %w", err)
	}
	data, err := json.MarshalIndent(credentialsFile{KeyID: k.ID, IssuerID: k.IssuerID, Key: string(pemBytes), BaseURL: s.url}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name), append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("sandbox: write %s: %w", name, err)
	}
	return nil
}
