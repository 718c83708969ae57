// Package jsonerr says where a state file's JSON failed to decode and how,
// never what it held: encoding/json's errors quote the offending text, and
// dnssync's state files hold names and keys that are not for every reader
// of its logs and of the API's errors.
package jsonerr

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Where describes err, from encoding/json, to follow "is": "not valid
// JSON (at byte 12)", "not valid: a value of the wrong type at byte 40",
// "empty or cut short", "not valid: an unknown key", or "not valid".
func Where(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("not valid: a value of the wrong type at byte %d", typ.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or cut short"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "not valid: an unknown key" // Decoder.DisallowUnknownFields
	}
	return "not valid"
}
