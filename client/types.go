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
}

// Verification is the data of GET /api/v1/dns/verify/{name}.
type Verification struct {
	Name     string        `json:"name"`
	Verified bool          `json:"verified"`
	Server   string        `json:"server"`
	Records  []RRsetStatus `json:"records"`
}

// RRsetStatus compares one RRset at a name: what records.d wants and what
// the authoritative server answers.
type RRsetStatus struct {
	RecordType string   `json:"record_type"`
	Want       []string `json:"want"`
	WantTTL    uint32   `json:"want_ttl"`
	Served     []string `json:"served"`
	ServedTTL  uint32   `json:"served_ttl,omitempty"`
	Verified   bool     `json:"verified"`
	Error      string   `json:"error,omitempty"`
}

// Response is every API answer: data on success, error otherwise.
type Response[T any] struct {
	Success bool   `json:"success"`
	Data    T      `json:"data,omitzero"`
	Error   string `json:"error,omitempty"`
}
