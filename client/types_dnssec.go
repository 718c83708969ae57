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
	// Roll is the key roll in progress; null when none.
	Roll *DNSSECRoll `json:"roll"`
	// RollRequested is the roll request (`dnssync dnssec roll`) the daemon
	// has not taken yet: "start csk", "start zsk", "start ksk" or
	// "ds-published"; "" when none.
	RollRequested string `json:"roll_requested,omitempty"`
}

// DNSSECRoll is a key roll in progress (RFC 6781, RFC 7583): the role of
// the keys rolled (csk, ksk, zsk), the outgoing and incoming keys' tags,
// its stage (publish, swap, remove) in words, the serial the stage was
// written at and when it was first seen served by every server, when the
// next step may be taken at the earliest, and what it waits for, in words.
type DNSSECRoll struct {
	Kind             string    `json:"kind"`
	OldKeyTag        uint16    `json:"old_key_tag"`
	NewKeyTag        uint16    `json:"new_key_tag"`
	Stage            string    `json:"stage"`
	StageDescription string    `json:"stage_description"`
	Started          time.Time `json:"started"`
	StageSince       time.Time `json:"stage_since"`
	Serial           uint32    `json:"serial,omitempty"` // 0: not written yet
	Served           time.Time `json:"served,omitzero"`
	NextStepAfter    time.Time `json:"next_step_after,omitzero"`
	DSPublished      time.Time `json:"ds_published,omitzero"`
	WaitingFor       string    `json:"waiting_for"`
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

// ZoneSignature is one signed zone validated at one server: its DNSKEY set
// against the trust anchor, and a signed answer, NXDOMAIN and NODATA with
// their proofs, each signature valid for longer than the margin.
type ZoneSignature struct {
	Zone   string `json:"zone"`
	Server string `json:"server"` // host:port
	Name   string `json:"name"`   // the configured label, the address when none
	Role   string `json:"role"`   // "primary" or "secondary"
	Valid  bool   `json:"valid"`
	// Expires is the earliest expiry of the signatures validated (RFC
	// 3339); absent when none was.
	Expires string `json:"expires,omitempty"`
	// Anchor is what the DNSKEY set was validated against: "ds" (the DS
	// for the parent), "keys" (configured DNSKEYs), "served keys" (none
	// configured: the set's own SEP keys) or "the primary's keys" (none
	// configured, at a secondary: the primary's key-signing keys). An entry
	// with no server is a [dnssec] trust_anchors entry naming no signed
	// zone (reason says where).
	Anchor string `json:"anchor"`
	Reason string `json:"reason,omitempty"` // why not valid
}
