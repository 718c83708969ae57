// Package client is the Go client of dnssync's HTTP API, for orchestrators:
// RegisterServerDNS when a server is created, UnregisterServerDNS when it is
// deleted, UpdateDNSRecord, ListRecords and VerifyDNSResolution. It speaks
// only the JSON shapes in types.go.
package client
