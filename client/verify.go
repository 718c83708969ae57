package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// The verify calls: is what records.d declares at a name served as declared.

// VerifyDNSResolution reports whether the authoritative server answers
// every record declared at hostname exactly as declared. A name nothing
// declares is an error (404), not false.
func (c *Client) VerifyDNSResolution(ctx context.Context, hostname string) (bool, error) {
	v, err := c.Verify(ctx, hostname)
	return v.Verified, err
}

// Verify resolves name's declared RRsets against the authoritative server
// now and returns the comparison.
func (c *Client) Verify(ctx context.Context, name string) (Verification, error) {
	var v Verification
	if err := c.do(ctx, http.MethodGet, "/api/v1/dns/verify/"+url.PathEscape(name), nil, nil, &v); err != nil {
		return Verification{}, fmt.Errorf("verify %s: %w", name, err)
	}
	return v, nil
}
