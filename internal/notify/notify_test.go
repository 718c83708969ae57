package notify

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/internal/observed"
)

// server starts a miekg server on loopback UDP whose handler answers
// NOTIFYs with rcode, counting the ones it got; it returns the address.
func server(t *testing.T, rcode int, tsig map[string]string, got *atomic.Int32) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, TsigSecret: tsig, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetRcode(r, rcode)
			if r.Opcode != dns.OpcodeNotify || len(r.Question) != 1 || r.Question[0].Qtype != dns.TypeSOA {
				m.SetRcode(r, dns.RcodeFormatError)
			}
			if tsig != nil {
				if r.IsTsig() == nil || w.TsigStatus() != nil {
					m.SetRcode(r, dns.RcodeNotAuth)
				} else {
					m.SetTsig(r.IsTsig().Hdr.Name, dns.HmacSHA256, 300, time.Now().Unix())
				}
			}
			if m.Rcode == dns.RcodeSuccess && got != nil {
				got.Add(1)
			}
			_ = w.WriteMsg(m)
		})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// silent is a UDP socket that reads and never answers.
func silent(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

// Every secondary is notified at once, and each gets its own outcome: one
// that acknowledges, one that refuses and one that never answers. The
// silent one costs one timeout, not one per secondary after it.
func TestNotifyReportsEachSecondary(t *testing.T) {
	t.Parallel()
	var got atomic.Int32
	ok := server(t, dns.RcodeSuccess, nil, &got)
	refusing := server(t, dns.RcodeRefused, nil, nil)
	dead := silent(t)
	s := &Sender{Timeout: 300 * time.Millisecond}
	start := time.Now()
	res := s.Notify(t.Context(), "example.org", []string{dead, ok, refusing, silent(t)})
	took := time.Since(start)
	want := []Outcome{Unanswered, Answered, Refused, Unanswered}
	for i, r := range res {
		if r.Outcome != want[i] {
			t.Errorf("%s: %s (%v), want %s", r.Server, r.Outcome, r.Err, want[i])
		}
		if (r.Err == nil) != (want[i] == Answered) {
			t.Errorf("%s: err %v", r.Server, r.Err)
		}
	}
	if got.Load() != 1 {
		t.Errorf("the answering secondary got %d NOTIFYs, want 1", got.Load())
	}
	// In parallel: two silent secondaries cost one timeout.
	if took > 2*300*time.Millisecond {
		t.Errorf("took %s: the silent secondaries were waited for one after the other", took)
	}
}

// With a key configured the NOTIFY is TSIG-signed: a secondary that
// requires the key accepts it, and refuses one unsigned.
func TestNotifySignsWithTSIG(t *testing.T) {
	t.Parallel()
	const secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
	addr := server(t, dns.RcodeSuccess, map[string]string{"dnssync.": secret}, nil)
	signed := &Sender{TSIG: &observed.TSIG{Name: "dnssync", Algorithm: dns.HmacSHA256, Secret: secret}, Timeout: time.Second}
	if r := signed.Notify(t.Context(), "example.org.", []string{addr})[0]; r.Outcome != Answered {
		t.Errorf("signed NOTIFY: %s (%v), want answered", r.Outcome, r.Err)
	}
	unsigned := &Sender{Timeout: time.Second}
	if r := unsigned.Notify(t.Context(), "example.org.", []string{addr})[0]; r.Outcome != Refused {
		t.Errorf("unsigned NOTIFY: %s (%v), want refused", r.Outcome, r.Err)
	}
}

// dropFirst starts a secondary on loopback UDP that drops the first drop
// NOTIFYs it gets (as a lost datagram would be) and acknowledges the
// rest; seen counts every NOTIFY that arrived.
func dropFirst(t *testing.T, drop int32, tsig map[string]string, seen *atomic.Int32) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, TsigSecret: tsig, NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			if seen.Add(1) <= drop {
				return
			}
			m := new(dns.Msg)
			m.SetReply(r)
			if tsig != nil {
				if w.TsigStatus() != nil {
					m.SetRcode(r, dns.RcodeNotAuth)
				} else {
					m.SetTsig(r.IsTsig().Hdr.Name, dns.HmacSHA256, 300, time.Now().Unix())
				}
			}
			_ = w.WriteMsg(m)
		})}
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// A NOTIFY that goes unanswered is sent again within the timeout (RFC
// 1996 3.6): a secondary whose first NOTIFYs were lost is still notified,
// signed or not, and each copy is the same message (one ID), so an answer
// to any counts.
func TestNotifyRetriesUnanswered(t *testing.T) {
	t.Parallel()
	const secret = "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
	for _, tt := range []struct {
		name  string
		drop  int32
		tsig  bool
		sends int32 // NOTIFYs the secondary sees
	}{
		{"first lost", 1, false, 2},
		{"two lost", 2, false, 3},
		{"first lost, signed", 1, true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen atomic.Int32
			s := &Sender{Timeout: 3 * time.Second}
			var keys map[string]string
			if tt.tsig {
				keys = map[string]string{"dnssync.": secret}
				s.TSIG = &observed.TSIG{Name: "dnssync", Algorithm: dns.HmacSHA256, Secret: secret}
			}
			lossy := dropFirst(t, tt.drop, keys, &seen)
			var ok atomic.Int32
			res := s.Notify(t.Context(), "example.org", []string{lossy, server(t, dns.RcodeSuccess, nil, &ok)})
			if r := res[0]; r.Outcome != Answered {
				t.Errorf("lossy secondary: %s (%v), want answered", r.Outcome, r.Err)
			}
			if r := res[1]; r.Outcome != Answered || ok.Load() != 1 {
				t.Errorf("the other secondary: %s (%v), %d NOTIFYs; want answered, 1", r.Outcome, r.Err, ok.Load())
			}
			if got := seen.Load(); got != tt.sends {
				t.Errorf("the lossy secondary saw %d NOTIFYs, want %d", got, tt.sends)
			}
		})
	}
}

// A secondary that never answers is tried until the timeout, not past it,
// and the error says how many tries went unanswered.
func TestNotifyGivesUpAtTimeout(t *testing.T) {
	t.Parallel()
	s := &Sender{Timeout: 1200 * time.Millisecond}
	start := time.Now()
	r := s.Notify(t.Context(), "example.org", []string{silent(t)})[0]
	took := time.Since(start)
	if r.Outcome != Unanswered || r.Err == nil || !strings.Contains(r.Err.Error(), "no answer to 2 tries") {
		t.Errorf("%s (%v), want unanswered after 2 tries (at 0 and 0.5 s)", r.Outcome, r.Err)
	}
	if took < time.Second || took > 2*time.Second {
		t.Errorf("took %s, want about the timeout, 1.2 s", took)
	}
}
