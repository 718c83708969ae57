package client

import "time"

// The JSON shapes of the HTTP API and of the CLI's --json: the one place
// they are defined. The daemon encodes with these types and the client
// decodes with them.

// Record is one record as the API lists and takes it: one value per entry,
// names without the trailing dot.
type Record struct {
	Name       string `json:"name"`
	RecordType string `json:"record_type"`
	Value      string `json:"value"`
	TTL        uint32 `json:"ttl"`
	// Source is the records.d file that declares it (a list), or that
	// held it (WriteResult.Removed); empty elsewhere.
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
	// Removed is what an unregister (DELETE) removed: one entry per
	// value, Source the API's file it was removed from. Set for DELETE
	// only.
	Removed []Record `json:"removed,omitempty"`
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
	// Zones lists, per zone, every server checked (the primary, each
	// secondary, each resolver); set by a check of every record. Not in
	// sync at an authoritative server makes Verified false.
	Zones []ZoneServers `json:"zones,omitempty"`
	// DNSSEC lists each signed zone's validation at each authoritative
	// server (the primary, each secondary); set by a check of every
	// record. One not valid makes Verified false.
	DNSSEC []ZoneSignature `json:"dnssec,omitempty"`
}

// ZoneServers is one zone at every server checked.
type ZoneServers struct {
	Zone    string       `json:"zone"`
	Servers []ServerSync `json:"servers"`
}

// ServerSync is one zone at one server.
type ServerSync struct {
	Address string `json:"address"` // host:port
	Name    string `json:"name"`    // the configured label, the address when none
	Role    string `json:"role"`    // "primary", "secondary" or "resolver"
	// Serial is what an authoritative server serves; absent for
	// resolvers and a server that did not answer.
	Serial *uint32 `json:"serial,omitempty"`
	// InSync: an authoritative server serves the primary's serial; a
	// resolver answers the zone's records as declared (or within the TTL
	// of a change).
	InSync bool `json:"in_sync"`
	// Behind is how many serials a secondary is behind the primary.
	Behind uint32 `json:"behind,omitempty"`
	// Seconds is, after a change, how long from the primary serving it
	// until this server did; LaggingSeconds how long it was waited for
	// without serving it.
	Seconds        float64 `json:"seconds,omitempty"`
	LaggingSeconds float64 `json:"lagging_seconds,omitempty"`
	Reason         string  `json:"reason,omitempty"` // why not in sync, when known
	// Note says what was not checked, without failing: "data not
	// compared: transfer refused" for a secondary that refuses transfers.
	Note string `json:"note,omitempty"`
}

// RRsetStatus is one RRset at one server: what records.d wants and what the
// server answers. Values are as records.d writes them (TXT as its text).
type RRsetStatus struct {
	Name       string `json:"name"`
	RecordType string `json:"record_type"`
	Server     string `json:"server"`
	// Status is "verified", "mismatch" (other data or TTL served, or
	// served though declared gone), "missing" (not served), "lagging" (a
	// resolver's cache within the TTL of the change: not a failure),
	// "stale" (served and dnssync's, but declared by no records file any
	// more: Want is [], Served what is still served; checks of every
	// record only) or "error" (no answer: see Error).
	Status    string   `json:"status"`
	Want      []string `json:"want"` // []: declared gone
	WantTTL   uint32   `json:"want_ttl"`
	Served    []string `json:"served"` // []: not served
	ServedTTL uint32   `json:"served_ttl,omitempty"`
	Verified  bool     `json:"verified"` // Status is "verified"
	Error     string   `json:"error,omitempty"`
	// WillServeBy is, for "lagging", when the resolver will serve Want
	// (RFC 3339): when what its cache may hold from before the change
	// runs out.
	WillServeBy string `json:"will_serve_by,omitempty"`
}

// Response is every API answer: data on success, error otherwise.
type Response[T any] struct {
	Success bool   `json:"success"`
	Data    T      `json:"data,omitzero"`
	Error   string `json:"error,omitempty"`
}

// Liveness is the body of /healthz: whether the daemon's loop still
// turns. Anyone may read it: it says nothing about files, zones or errors.
type Liveness struct {
	// Status is "alive" (200) or "stuck" (503): the last heartbeat is
	// older than StuckAfterSeconds.
	Status            string    `json:"status"`
	LastHeartbeat     time.Time `json:"last_heartbeat"`
	StuckAfterSeconds float64   `json:"stuck_after_seconds"`
}

// Readiness is the body of /readyz: whether every zone is served as
// desired. 200 when Status is "ok", 503 when "starting" (no full pass yet)
// or "degraded" (Reasons say why).
type Readiness struct {
	Status  string `json:"status"`
	Healthy bool   `json:"healthy"` // no reasons
	Ready   bool   `json:"ready"`   // the first full pass has run
	// Reasons, sorted by kind: for a caller who may not read messages
	// (no valid token, while token_file is set) each kind once, without
	// its message.
	Reasons         []Reason  `json:"reasons,omitempty"`
	LastReconcile   time.Time `json:"last_reconcile,omitzero"`
	LastReconcileOK time.Time `json:"last_reconcile_ok,omitzero"`
	LastVerify      time.Time `json:"last_verify,omitzero"`
	LastVerifyOK    time.Time `json:"last_verify_ok,omitzero"`
}

// Reason is one cause of not being healthy. Kind is a contract (alerts
// match on it, e.g. "invalid_files", "coredns_unreachable"); Message names
// files and servers, for operators only.
type Reason struct {
	Kind    string `json:"kind"`
	Message string `json:"message,omitempty"`
}

// PlanFormatVersion is the version of the Plan shape. Fields may be added
// without a new version; a field renamed, removed or given another
// meaning bumps it.
const PlanFormatVersion = 1

// Plan is what `dnssync plan --json` prints (in the envelope, Response):
// per zone what a pass would change, what it holds back and what it
// leaves alone, and a summary. The API does not serve it; it is defined
// here with every other JSON shape dnssync prints, so that a Go program
// decodes it with the same types. Names are without the trailing dot and
// values as records.d writes them (TXT as its text), as everywhere in the
// API. Every list is [] when empty, never null.
type Plan struct {
	FormatVersion int         `json:"format_version"`
	Zones         []ZonePlan  `json:"zones"`
	Summary       PlanSummary `json:"summary"`
}

// ZonePlan is one zone's plan.
type ZonePlan struct {
	Zone string `json:"zone"`
	// Status is "in_sync" (nothing to do, held or left alone), "pending"
	// (changes to make or held, or records left alone) or "unknown" (what
	// the server serves could not be read: see Error).
	Status string `json:"status"`
	// Error says why the zone is unknown, or what else failed; "" when
	// nothing did.
	Error string `json:"error,omitempty"`
	// Changes lists every change, in the order a pass applies them:
	// deletes, creates, updates; then those held back (Held set).
	Changes []PlanChange `json:"changes"`
	// Conflicts lists what records.d declares that the pass leaves as
	// served.
	Conflicts []PlanConflict `json:"conflicts"`
	Safety    PlanSafety     `json:"safety"`
}

// PlanChange is one RRset's change.
type PlanChange struct {
	Action     string `json:"action"` // "create", "update" or "delete"
	Name       string `json:"name"`
	RecordType string `json:"record_type"`
	// Old is the set as served (null for a create); New the set as
	// records.d declares it (null for a delete).
	Old *PlanRRset `json:"old"`
	New *PlanRRset `json:"new"`
	// Sources are the records.d files (base names, as `records list`
	// shows them) that declare New; [] for a delete.
	Sources []string `json:"sources"`
	// Held is "" for a change a pass applies now; "safety" for one the
	// safety rules hold (`dnssync apply --force` applies it: see
	// ZonePlan.Safety); "unread_file" for a deletion held while a records
	// file was never read successfully (what it declares is unknown);
	// "waiting_zone" for one held while a file read names no managed zone
	// (a zone not added yet, or a typo in a zone's suffix: `dnssync apply
	// --force` lifts it).
	Held string `json:"held"`
}

// PlanRRset is one side of a change.
type PlanRRset struct {
	TTL    uint32   `json:"ttl"`
	Values []string `json:"values"`
}

// PlanConflict is something records.d declares that a pass leaves as
// served.
type PlanConflict struct {
	Name string `json:"name"`
	// RecordType is the type of a set another writer owns; "" for a name
	// whose declarations disagree (every type at the name is left alone).
	RecordType string `json:"record_type"`
	// Kind is "foreign" (served, not dnssync's: another writer owns it)
	// or "declarations" (records files disagree at the name: Reason names
	// them).
	Kind    string   `json:"kind"`
	Reason  string   `json:"reason"`
	Sources []string `json:"sources"` // the files declaring it
}

// PlanSafety is the safety rules' verdict on a zone's plan.
type PlanSafety struct {
	// Refused: the rules hold part of the plan (the changes with Held
	// "safety"); Reason says why and what lifts it.
	Refused bool   `json:"refused"`
	Reason  string `json:"reason,omitempty"`
}

// PlanSummary counts over every zone.
type PlanSummary struct {
	// Create, Update and Delete count the changes a pass applies now.
	Create int `json:"create"`
	Update int `json:"update"`
	Delete int `json:"delete"`
	// Held counts the changes held back (Held set), Conflicts the
	// conflicts, UnknownZones the zones unknown, InvalidFiles the records
	// files that are invalid (listed on stderr, file:line: message).
	Held         int `json:"held"`
	Conflicts    int `json:"conflicts"`
	UnknownZones int `json:"unknown_zones"`
	InvalidFiles int `json:"invalid_files"`
	// UnreadFiles counts the records files never read successfully (a
	// writer at work on one): their deletions are held until they are.
	UnreadFiles int `json:"unread_files"`
	// InSync: nothing at all to do, held, left alone, unknown, invalid or
	// unread; `dnssync plan` exits 0 exactly then.
	InSync bool `json:"in_sync"`
}

// Zone is one managed zone as the zones API lists and takes it (GET and
// POST /api/v1/dns/zones), with the fields of a zones.d file's `zone:`
// mapping. In a body, empty fields take their defaults and Source is left
// out; listed, every default is written out, names without the trailing
// dot.
type Zone struct {
	Name        string   `json:"name"`
	Nameservers []string `json:"nameservers,omitempty"`
	// NameserverAddresses: absent is the default (127.0.0.1 for a
	// nameserver inside the zone), [] says none.
	NameserverAddresses []string `json:"nameserver_addresses,omitzero"`
	Hostmaster          string   `json:"hostmaster,omitempty"`
	Refresh             uint32   `json:"refresh,omitempty"`
	Retry               uint32   `json:"retry,omitempty"`
	Expire              uint32   `json:"expire,omitempty"`
	NegativeTTL         uint32   `json:"negative_ttl,omitempty"`
	SOATTL              uint32   `json:"soa_ttl,omitempty"`
	Reverse             bool     `json:"reverse"`
	// DNSSEC: the zone is signed: by dnssync with the zonefile backend
	// ([dnssec] in the config), by the server with the rfc2136 backend.
	DNSSEC bool `json:"dnssec,omitempty"`
	// Source is where the zone is declared: "config" ([[zones]] in the
	// config file) or its zones.d file, relative to zones.d.
	Source string `json:"source,omitempty"`
}

// ZoneChange is the data of POST /api/v1/dns/zones and DELETE
// /api/v1/dns/zones/{name}: the zone and what became of it.
type ZoneChange struct {
	Zone
	// Status is "accepted" (zones.d changed; the daemon is applying it),
	// "pending" (zones.d changed; auto_register is off, so `dnssync
	// apply` applies it) or, after POST ?wait=verified, "verified" (the
	// authoritative server answers the zone's SOA).
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
	// RecordFiles are, for a forced removal, the records.d files that
	// declared records in the zone (relative to records.d): they turn
	// invalid until a zone holds their names again.
	RecordFiles []string `json:"record_files,omitempty"`
}
