package dnssec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dnssync/dnssync/internal/atomicfile"
	"github.com/dnssync/dnssync/internal/secretfile"
	"github.com/miekg/dns"
	"golang.org/x/sys/unix"
)

// KeyStore keeps each zone's keys under Dir/<zone>/ (the zone without its
// trailing dot): per key a BIND-style pair, K<zone>.+<alg>+<tag>.key (the
// DNSKEY) and .private (the private key, mode 0600), and state.json naming
// the zone's keys with their roles and times. The directory is mode 0700.
// Every file is written atomically and state.json last, so a crash while a
// key is made leaves the zone's keys as they were (at most an unused key
// pair beside them). Nothing read from a key file ever appears in an error.
//
// One process writes a zone's keys: the daemon. Others only read.
type KeyStore struct {
	Dir string
}

const stateFile = "state.json"

// state is state.json. Roll was added without a new version: a reader
// that does not know it ignores it, and a state without it has no roll.
type state struct {
	Version int        `json:"version"`
	Keys    []keyState `json:"keys"`
	Roll    *Roll      `json:"roll,omitempty"`
}

type keyState struct {
	File      string    `json:"file"` // base name without .key/.private
	Role      Role      `json:"role"`
	Algorithm uint8     `json:"algorithm"`
	Tag       uint16    `json:"tag"`
	Created   time.Time `json:"created"`
	Timing
}

// zoneDir is the zone's directory (refused when it is a symbolic link:
// makeZoneDir). The zone must be a canonical name of
// plain labels, so that it can never reach outside Dir.
func (s KeyStore) zoneDir(zone string) (string, error) {
	if zone != dns.CanonicalName(zone) || zone == "." {
		return "", fmt.Errorf("dnssec keys: zone %q is not a canonical name below the root", zone)
	}
	name := strings.TrimSuffix(zone, ".")
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "", fmt.Errorf("dnssec keys: zone %q holds a character a key directory cannot", zone)
		}
	}
	if strings.Contains(name, "..") || strings.HasPrefix(name, ".") {
		return "", fmt.Errorf("dnssec keys: zone %q has an empty label", zone)
	}
	dir := filepath.Join(s.Dir, name)
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return "", fmt.Errorf("dnssec key directory %s is a symbolic link: dnssync reads and writes a zone's keys only in a directory of its own", dir)
	}
	return dir, nil
}

// makeZoneDir makes the zone's key directory (mode 0700) and narrows one
// made by hand (or by an older version): the private keys' modes are not
// the only guard. The mode is set through a descriptor opened without
// following a link, so that a link put there meanwhile narrows nothing
// else.
func makeZoneDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("create dnssec key directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create dnssec key directory: %w", err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open dnssec key directory %s (a symbolic link is refused): %w", dir, err)
	}
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, 0o700); err != nil {
		return fmt.Errorf("restrict dnssec key directory: %w", err)
	}
	return nil
}

// readFile reads a key-store file as the state directory's files are
// read (atomicfile.ReadRegular): nil content, no error, when missing.
func readFile(what, path string) ([]byte, error) {
	b, _, err := atomicfile.ReadRegular(path)
	if err != nil {
		return nil, fmt.Errorf("read %s %s: it %w", what, path, err)
	}
	return b, nil
}

func fileBase(zone string, k *dns.DNSKEY) string {
	return fmt.Sprintf("K%s+%03d+%05d", zone, k.Algorithm, k.KeyTag())
}

// Load returns the zone's keys in the order state.json lists them; none
// (and no error) when the zone has no keys yet.
func (s KeyStore) Load(zone string) ([]*Key, error) {
	keys, _, err := s.LoadRoll(zone)
	return keys, err
}

// LoadRoll returns the zone's keys and the key roll in progress (nil when
// none).
func (s KeyStore) LoadRoll(zone string) ([]*Key, *Roll, error) {
	dir, err := s.zoneDir(zone)
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, stateFile)
	b, err := readFile("dnssec key state", path)
	if b == nil || err != nil {
		return nil, nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, nil, fmt.Errorf("read dnssec key state %s: not valid JSON", path)
	}
	keys := make([]*Key, 0, len(st.Keys))
	for _, ks := range st.Keys {
		k, err := loadKey(dir, zone, ks)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}
	if err := st.Roll.check(keys); err != nil {
		return nil, nil, fmt.Errorf("read dnssec key state %s: %w", path, err)
	}
	return keys, st.Roll, nil
}

func loadKey(dir, zone string, ks keyState) (*Key, error) {
	if !ks.Role.valid() || ks.File != filepath.Base(ks.File) || !strings.HasPrefix(ks.File, "K"+zone+"+") {
		return nil, fmt.Errorf("read dnssec key state %s: key %d has a bad role or file name", filepath.Join(dir, stateFile), ks.Tag)
	}
	pubPath := filepath.Join(dir, ks.File+".key")
	b, err := readFile("dnssec key", pubPath)
	if err == nil && b == nil {
		err = fmt.Errorf("read dnssec key %s: %w", pubPath, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	rr, err := dns.NewRR(string(b))
	pub, ok := rr.(*dns.DNSKEY)
	if err != nil || !ok || dns.CanonicalName(pub.Header().Name) != zone || pub.KeyTag() != ks.Tag || pub.Algorithm != ks.Algorithm {
		return nil, fmt.Errorf("read dnssec key %s: not the DNSKEY state.json names", pubPath)
	}
	pub.Hdr.Name = zone
	privPath := filepath.Join(dir, ks.File+".private")
	b, err = secretfile.Read("dnssec private key", privPath)
	if err != nil {
		return nil, err
	}
	signer, err := parsePrivateKey(pub.Algorithm, string(b))
	if err != nil {
		return nil, fmt.Errorf("read dnssec private key %s: %w", privPath, err)
	}
	if !publicKeyMatches(pub, signer.Public()) {
		return nil, fmt.Errorf("read dnssec private key %s: it does not belong to %s", privPath, pubPath)
	}
	return &Key{DNSKEY: pub, Signer: signer, Role: ks.Role, Created: ks.Created, Timing: ks.Timing}, nil
}

// Ensure returns the zone's keys, generating them on first use as the
// policy says (one CSK, or a KSK and a ZSK). Keys that exist are returned
// as they are, even if the policy has changed since: moving to another
// algorithm or split is a key roll.
func (s KeyStore) Ensure(zone string, p Policy, now time.Time) ([]*Key, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	keys, err := s.Load(zone)
	if err != nil || len(keys) > 0 {
		return keys, err
	}
	roles := []Role{CSK}
	if p.Split {
		roles = []Role{KSK, ZSK}
	}
	for _, r := range roles {
		k, err := NewKey(zone, r, p.Algorithm, now)
		// Two keys of a zone never share a tag (their files would too, and
		// validators try every key of a tag): 1 in 65,536, so draw again.
		for err == nil && slices.ContainsFunc(keys, func(o *Key) bool { return o.Tag() == k.Tag() }) {
			k, err = NewKey(zone, r, p.Algorithm, now)
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if err := s.Save(zone, keys); err != nil {
		return nil, err
	}
	return keys, nil
}

// Save writes the zone's keys with no roll in progress (SaveRoll).
func (s KeyStore) Save(zone string, keys []*Key) error { return s.SaveRoll(zone, keys, nil) }

// SaveRoll writes the zone's keys and its roll (nil: none): the key files
// of any key that has none yet, then state.json, which from then on names
// exactly these keys. The files of keys no longer named are left for a
// person to remove.
func (s KeyStore) SaveRoll(zone string, keys []*Key, roll *Roll) error {
	if err := roll.check(keys); err != nil {
		return fmt.Errorf("save dnssec keys of %s: %w", zone, err)
	}
	dir, err := s.zoneDir(zone)
	if err != nil {
		return err
	}
	if err := makeZoneDir(dir); err != nil {
		return err
	}
	st := state{Version: 1, Keys: make([]keyState, 0, len(keys)), Roll: roll}
	for _, k := range keys {
		base := fileBase(zone, k.DNSKEY)
		if err := writeKeyFiles(dir, base, k); err != nil {
			return err
		}
		st.Keys = append(st.Keys, keyState{File: base, Role: k.Role, Algorithm: k.DNSKEY.Algorithm, Tag: k.Tag(), Created: k.Created, Timing: k.Timing})
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode dnssec key state for %s: %w", zone, err)
	}
	return atomicfile.Write(filepath.Join(dir, stateFile), dir, append(b, '\n'), 0o600)
}

func writeKeyFiles(dir, base string, k *Key) error {
	priv, pub := filepath.Join(dir, base+".private"), filepath.Join(dir, base+".key")
	text := k.DNSKEY.String() + "\n"
	if _, err := os.Lstat(priv); err == nil {
		// Written when the key was made (keys never change), unless
		// another key has the same name: then refuse to mix them up.
		if b, err := readFile("dnssec key", pub); err != nil || string(b) != text {
			return fmt.Errorf("write dnssec key %s: the file holds another key", pub)
		}
		return nil
	}
	// The public half first: a crash between the two leaves no .private,
	// and so both are written again.
	if err := atomicfile.Write(pub, dir, []byte(text), 0o600); err != nil {
		return err
	}
	return atomicfile.Write(priv, dir, []byte(k.DNSKEY.PrivateKeyString(k.Signer)), 0o600)
}
