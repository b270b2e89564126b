package auth

import "testing"

// BenchmarkTokenCached measures the cost of Token when the cached token is still fresh,
// which is what nearly every request pays.
func BenchmarkTokenCached(b *testing.B) {
	s := NewTokenSource(mustKey(b, "iss"), TokenOptions{})
	if _, err := s.Token(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Token(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenCachedParallel is BenchmarkTokenCached with every P asking at once.
func BenchmarkTokenCachedParallel(b *testing.B) {
	s := NewTokenSource(mustKey(b, "iss"), TokenOptions{})
	if _, err := s.Token(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Token(b.Context()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkTokenFresh measures signing a new token, the cost the cache avoids.
func BenchmarkTokenFresh(b *testing.B) {
	k := mustKey(b, "iss")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Sign(TokenOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
