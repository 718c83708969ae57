package client

// The JSON shapes of the HTTP API: the one place they are defined. The
// daemon encodes with these types and the client decodes with them.

// Record is one record as the API lists and takes it: one value per entry,
// names without the trailing dot.
type Record struct {
	Name       string `json:"name"`
	RecordType string `json:"record_type"`
	Value      string `json:"value"`
	TTL        uint32 `json:"ttl"`
	// Source is the records.d file that declares it (list only).
	Source string `json:"source,omitempty"`
}

// WriteRequest is the body of POST /api/v1/dns/records (Name set) and of
// PUT /api/v1/dns/records/{name} (Name from the path).
type WriteRequest struct {
	Name       string  `json:"name,omitempty"`
	RecordType string  `json:"record_type"`
	Value      string  `json:"value"`
	TTL        *uint32 `json:"ttl,omitempty"`
}

// WriteResult is the data of a successful write: the record and what
// became of it.
type WriteResult struct {
	Record
	// Status is "verified" (served as asked), "accepted" (written; the
	// daemon is applying it), "pending" (written; auto_register is off, or
	// the daemon cannot apply it now: see Message) or "unchanged".
	Status   string `json:"status"`
	Applied  bool   `json:"applied"`
	Verified bool   `json:"verified"`
	Message  string `json:"message,omitempty"`
	// Verification is what ?wait=verified found, set when it waited.
	Verification *Verification `json:"verification,omitempty"`
}

// Verification is the one JSON shape of a verification: the data of GET
// /api/v1/dns/verify/{name}, of a write's ?wait=verified, and what `dnssync
// verify [NAME] --json` prints (inside the same envelope, Response). Records
// holds one entry per RRset per server asked, verified ones included.
type Verification struct {
	// Name is the name checked; empty for a check of every record.
	Name string `json:"name"`
	// Verified: every RRset is served as declared by every server (a
	// resolver's cache lagging within the TTL of a change aside); a name
	// with nothing declared is not verified.
	Verified bool `json:"verified"`
	// Server is the authoritative server, the first of Servers.
	Server  string   `json:"server"`
	Servers []string `json:"servers"`
	// Checked counts RRsets times servers.
	Checked int           `json:"checked"`
	Records []RRsetStatus `json:"records"`
}

// RRsetStatus is one RRset at one server: what records.d wants and what the
// server answers. Values are as records.d writes them (TXT as its text).
type RRsetStatus struct {
	Name       string `json:"name"`
	RecordType string `json:"record_type"`
	Server     string `json:"server"`
	// Status is "verified", "mismatch" (other data or TTL served, or
	// served though declared gone), "missing" (not served), "lagging" (a
	// resolver's cache within the TTL of the change: not a failure) or
	// "error" (no answer: see Error).
	Status    string   `json:"status"`
	Want      []string `json:"want"` // []: declared gone
	WantTTL   uint32   `json:"want_ttl"`
	Served    []string `json:"served"` // []: not served
	ServedTTL uint32   `json:"served_ttl,omitempty"`
	Verified  bool     `json:"verified"` // Status is "verified"
	Error     string   `json:"error,omitempty"`
}

// Response is every API answer: data on success, error otherwise.
type Response[T any] struct {
	Success bool   `json:"success"`
	Data    T      `json:"data,omitzero"`
	Error   string `json:"error,omitempty"`
}
