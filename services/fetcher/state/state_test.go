package state

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/natstest"
)

func open(t *testing.T, opt Options) (*Store, jetstream.JetStream) {
	t.Helper()
	nc := natstest.Connect(t, natstest.Start(t))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), js, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s, js
}

func TestSeenAndValidators(t *testing.T) {
	s, js := open(t, Options{})
	ctx := context.Background()
	if seen, err := s.Seen(ctx, "https://news.test/a?utm_source=x"); err != nil || seen {
		t.Fatalf("fresh store: seen=%v err=%v", seen, err)
	}
	if err := s.MarkSeen(ctx, "https://NEWS.test/a#frag", time.Now()); err != nil {
		t.Fatal(err)
	}
	if seen, err := s.Seen(ctx, "https://news.test/a?utm_source=x"); err != nil || !seen {
		t.Fatalf("normalised spelling not seen: %v %v", seen, err)
	}
	if _, ok, err := s.Validators(ctx, "https://news.test/feed"); ok || err != nil {
		t.Fatalf("no validators yet: %v %v", ok, err)
	}
	want := Validators{ETag: `"abc"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT", FreshUntil: time.Now().Add(time.Hour).UTC().Truncate(time.Second)}
	if err := s.SaveValidators(ctx, "https://news.test/feed", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Validators(ctx, "https://news.test/feed")
	if err != nil || !ok || got.ETag != want.ETag || got.LastModified != want.LastModified || !got.FreshUntil.Equal(want.FreshUntil) {
		t.Fatalf("validators = %+v %v %v", got, ok, err)
	}
	if err := s.SaveValidators(ctx, "https://news.test/feed", Validators{}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Validators(ctx, "https://news.test/feed"); ok {
		t.Fatal("empty validators did not delete the entry")
	}
	// A second Open (another replica, or a restart) sees the same state.
	s2, err := Open(ctx, js, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if seen, _ := s2.Seen(ctx, "https://news.test/a"); !seen {
		t.Fatal("state not shared")
	}
}

func TestSeenHorizon(t *testing.T) {
	s, _ := open(t, Options{Horizon: time.Second})
	ctx := context.Background()
	if err := s.MarkSeen(ctx, "https://news.test/old", time.Now()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		seen, err := s.Seen(ctx, "https://news.test/old")
		if err != nil {
			t.Fatal(err)
		}
		if !seen {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("seen entry outlived its horizon")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestClaimRequest(t *testing.T) {
	s, _ := open(t, Options{})
	ctx := context.Background()
	if ok, err := s.ClaimRequest(ctx, "https://news.test/a?utm_source=feed", time.Second); err != nil || !ok {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	if ok, err := s.ClaimRequest(ctx, "https://news.test/a", time.Second); err != nil || ok {
		t.Fatalf("second claim of the same (normalised) URL: %v %v", ok, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := s.ClaimRequest(ctx, "https://news.test/a", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("claim never expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestLease(t *testing.T) {
	s, _ := open(t, Options{})
	ctx := context.Background()
	rev, ok, err := s.AcquireLease(ctx, "https://news.test/feed", "replica-a", time.Second)
	if err != nil || !ok {
		t.Fatalf("first acquire: %v %v", ok, err)
	}
	if _, ok, err := s.AcquireLease(ctx, "https://news.test/feed", "replica-b", time.Second); err != nil || ok {
		t.Fatalf("second holder got a live lease: %v %v", ok, err)
	}
	if _, ok, _ := s.AcquireLease(ctx, "https://news.test/other", "replica-b", time.Second); !ok {
		t.Fatal("independent source not leased")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rev2, ok, err := s.AcquireLease(ctx, "https://news.test/feed", "replica-b", time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if rev2 <= rev {
				t.Fatalf("new lease revision %d not after %d", rev2, rev)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("lease never expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
