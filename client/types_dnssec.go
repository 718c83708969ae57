package client

import "time"

// The JSON shapes of `dnssync dnssec ds --json` and `dnssync dnssec status
// --json` (inside Response, as every --json of the CLI). Beside types.go,
// whose shapes they join, in a file of their own to keep each file small.

// DSRecord is one DS record (RFC 4034) of a signed zone, for its parent:
// the fields of its data and the whole record in zone-file presentation.
type DSRecord struct {
	Zone       string `json:"zone"`
	KeyTag     uint16 `json:"key_tag"`
	Algorithm  uint8  `json:"algorithm"`
	DigestType uint8  `json:"digest_type"`
	Digest     string `json:"digest"` // hex, upper case
	// Record is the DS record as a zone file writes it, ready to paste.
	Record string `json:"record"`
}

// DNSSECStatus is the signing state of one zone: its keys and the roll in
// progress.
type DNSSECStatus struct {
	Zone string      `json:"zone"`
	Keys []DNSSECKey `json:"keys"`
	// Roll is the key roll in progress; "none" (dnssync does not roll
	// keys yet).
	Roll string `json:"roll"`
}

// DNSSECKey is one key of a signed zone, without anything secret: its tag,
// role (csk, ksk, zsk), algorithm, state at the time asked (created,
// published, active, retired, removed) and its times (RFC 7583); a time
// not set is left out.
type DNSSECKey struct {
	KeyTag        uint16    `json:"key_tag"`
	Role          string    `json:"role"`
	Algorithm     uint8     `json:"algorithm"`
	AlgorithmName string    `json:"algorithm_name"`
	State         string    `json:"state"`
	Created       time.Time `json:"created,omitzero"`
	Published     time.Time `json:"published,omitzero"`
	Active        time.Time `json:"active,omitzero"`
	Retired       time.Time `json:"retired,omitzero"`
	Removed       time.Time `json:"removed,omitzero"`
}
