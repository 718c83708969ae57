package api

// Reading a write request's body. Everything here is about the bytes a
// client sent: strict JSON, one value, known fields, required fields, a
// name that could be a record's. What the record means (its value, its
// zone, who else declares it) is the registry's to say.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/miekg/dns"

	"github.com/dnssync/dnssync/client"
	"github.com/dnssync/dnssync/internal/registry"
	"github.com/dnssync/dnssync/internal/textcap"
)

// maxBody bounds a request body: a write is a name, a type and one value.
const maxBody = 64 << 10

// requestError is a body refused, with the status to answer and a message
// for the client. audit is what the audit log says of it: a fixed phrase,
// never the body.
type requestError struct {
	status     int
	msg, audit string
}

func (e *requestError) Error() string { return e.msg }

// decodeWriteRequest reads a WriteRequest strictly from body (which the
// caller bounds, e.g. with http.MaxBytesReader): unknown fields, trailing
// data, wrong types and missing fields are errors that name the field.
// withName is POST's body, which names the record; PUT's takes the name
// from the path. The record type is returned upper case.
func decodeWriteRequest(body io.Reader, withName bool) (client.WriteRequest, *requestError) {
	var req client.WriteRequest
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody), "refused: body too large"}
		}
		return req, &requestError{http.StatusBadRequest, "bad JSON: " + err.Error(), "refused: bad JSON"}
	}
	if _, err := dec.Token(); err != io.EOF {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, &requestError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", maxBody), "refused: body too large"}
		}
		return req, &requestError{http.StatusBadRequest, "bad JSON: more than one value in the body", "refused: bad JSON"}
	}
	if err := checkRequest(req, withName); err != nil {
		return req, &requestError{http.StatusUnprocessableEntity, err.Error(), "refused: " + err.Error()}
	}
	req.RecordType = strings.ToUpper(req.RecordType)
	return req, nil
}

// checkRequest refuses a request that names no record: every message
// starts with the field it is about.
func checkRequest(req client.WriteRequest, withName bool) error {
	switch {
	case withName && strings.TrimSpace(req.Name) == "":
		return errors.New("name: required")
	case !withName && req.Name != "":
		return errors.New("name: goes in the path, not the body")
	case strings.TrimSpace(req.RecordType) == "":
		return errors.New("record_type: required (A, AAAA, CNAME, TXT, SRV, MX, CAA, PTR or NS)")
	case req.Value == "":
		return errors.New("value: required")
	}
	if _, ok := dns.StringToType[strings.ToUpper(req.RecordType)]; !ok {
		return fmt.Errorf("record_type: unknown type %s (want A, AAAA, CNAME, TXT, SRV, MX, CAA, PTR or NS)", textcap.Quote(req.RecordType, textcap.QuoteLen))
	}
	if withName {
		if _, err := registry.CheckName(req.Name); err != nil {
			return err
		}
	}
	return nil
}
