package registry

// File names for the API's files. A DNS name may be 253 octets, a file name
// only 255 bytes, so a long name is kept whole inside its file and only a
// prefix and a digest of it go into the file's name. Names are checked here first, before they come
// near a path: a name that could never be a record (NUL, '/', spaces, "..")
// is an invalid request, not a failed write.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dnssync/dnssync/internal/desired"
)

const (
	fileSuffix = ".yaml"
	// maxFileName is the longest file name Linux file systems take. The
	// writer's temporary file has a short name of its own
	// (atomicfile.TempPattern), so the whole of it is the file's.
	maxFileName = 255
	// digestPrefixLen is how much of a long name its file name still shows,
	// so that a person listing records.d can tell the files apart.
	digestPrefixLen = 160
	digestHexLen    = 32 // 128 bits of SHA-256: no two names share a file
)

// CheckName validates name as records.d does (desired.CheckName: labels of
// letters, digits, '-' and '_', a leading "*" label, at most 63 octets a
// label and 253 a name; spaces around it are dropped) and returns it
// canonical: lower case, fully qualified. The error is ErrInvalid, names
// the field and quotes at most a short, escaped excerpt.
func CheckName(name string) (string, error) {
	canonical, err := desired.CheckName(strings.TrimSpace(name))
	if err != nil {
		return "", fmt.Errorf("%w: name: %v", ErrInvalid, err)
	}
	return canonical, nil
}

// fileName is the name of the API's file for a canonical name:
// "api-<name>.yaml" when that fits (every name of up to 246 octets, so
// every file the API wrote before keeps its name), otherwise
// "api-<first 160 octets>-<digest>.yaml".
func fileName(canonical string) string {
	bare := strings.TrimSuffix(canonical, ".")
	plain := filePrefix + bare + fileSuffix
	if len(plain) <= maxFileName {
		return plain
	}
	sum := sha256.Sum256([]byte(bare))
	prefix := strings.TrimRight(bare[:min(len(bare), digestPrefixLen)], ".")
	return filePrefix + prefix + "-" + hex.EncodeToString(sum[:])[:digestHexLen] + fileSuffix
}

// Path is the API's file for name, where it is written from now on; "" for
// a name that is not valid.
func (r *Registry) Path(name string) string {
	canonical, err := CheckName(name)
	if err != nil {
		return ""
	}
	return filepath.Join(r.Options.Dir, fileName(canonical))
}
