package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/netip"
	"time"

	"github.com/dnssync/dnssync/client"
)

// The orchestrator's calls over a server's life. It needs a running daemon
// (dnssync run with [api] listen), so it is compiled, not run.
func Example() {
	ctx := context.Background()
	c := client.New("http://127.0.0.1:8053", "TOKEN") // "" without [api] token_file

	// A server was created: publish its address, then check that the
	// authoritative server answers it.
	res, err := c.RegisterServerDNS(ctx, "web-01.example.com", netip.MustParseAddr("192.168.1.10"))
	var apiErr *client.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == 409:
		log.Printf("web-01 is managed by hand in records.d: %v", apiErr.Message)
	case errors.As(err, &apiErr) && apiErr.Status == 429:
		time.Sleep(apiErr.RetryAfter) // then try again
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(res.Name, res.RecordType, res.Value, res.Status)
	}
	ok, err := c.VerifyDNSResolution(ctx, "web-01.example.com")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("served:", ok)

	// Its address changed; or wait until the change is served.
	if _, err := c.UpdateDNSRecord(ctx, "web-01.example.com", "A", "192.168.1.20"); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Register(ctx, client.WriteRequest{Name: "www.example.com", RecordType: "CNAME", Value: "web-01.example.com"}, true); err != nil {
		log.Fatal(err)
	}

	recs, err := c.ListRecords(ctx, client.ListFilter{Zone: "example.com"})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range recs {
		fmt.Printf("%s -> %s (%s)\n", r.Name, r.Value, r.RecordType)
	}

	// The server was deleted: remove everything registered at its name
	// (a name already gone is not an error).
	if err := c.UnregisterServerDNS(ctx, "web-01.example.com"); err != nil {
		log.Fatal(err)
	}
}
